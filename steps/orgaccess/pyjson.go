package orgaccess

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"
)

// Open WebUI stores its JSON columns through SQLAlchemy, which writes
// Python's json.dumps: ", " and ": " separators, every non-ASCII character
// escaped, keys in the order they were given. What groundwork writes into
// those columns is spelled the same way, so a row it touched reads like one
// Open WebUI wrote, and a JSON document it extends keeps its keys' order.

// jsonValue is a decoded JSON value that keeps its objects' key order:
// an *orderedObject, a []jsonValue, a json.Number, a string, a bool or nil.
type jsonValue any

type orderedObject struct {
	keys   []string
	values map[string]jsonValue
}

func (o *orderedObject) get(k string) (jsonValue, bool) { v, ok := o.values[k]; return v, ok }

func (o *orderedObject) set(k string, v jsonValue) {
	if _, ok := o.values[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.values[k] = v
}

func newObject() *orderedObject { return &orderedObject{values: map[string]jsonValue{}} }

// decodeOrdered parses one JSON document, keeping key order; trailing
// data is an error.
func decodeOrdered(text string) (jsonValue, error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	v, err := decodeValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("data after the JSON value")
	}
	return v, nil
}

func decodeValue(dec *json.Decoder) (jsonValue, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := newObject()
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				o.set(k, v)
			}
			_, err := dec.Token()
			return o, err
		case '[':
			arr := []jsonValue{}
			for dec.More() {
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			_, err := dec.Token()
			return arr, err
		}
		return nil, fmt.Errorf("unexpected %v", t)
	default:
		return t, nil
	}
}

// encodePy renders v as Python's json.dumps does by default.
func encodePy(v jsonValue) string {
	var b bytes.Buffer
	writePy(&b, v)
	return b.String()
}

func writePy(b *bytes.Buffer, v jsonValue) {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		if x {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case json.Number:
		b.WriteString(x.String())
	case float64:
		fmt.Fprint(b, x)
	case string:
		writePyString(b, x)
	case []jsonValue:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			writePy(b, e)
		}
		b.WriteByte(']')
	case []string:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			writePyString(b, e)
		}
		b.WriteByte(']')
	case *orderedObject:
		b.WriteByte('{')
		for i, k := range x.keys {
			if i > 0 {
				b.WriteString(", ")
			}
			writePyString(b, k)
			b.WriteString(": ")
			writePy(b, x.values[k])
		}
		b.WriteByte('}')
	}
}

// writePyString escapes as json.dumps with ensure_ascii: the short escapes
// for quote, backslash and \b \f \n \r \t, \u00XX for other control
// characters, \uXXXX (surrogate pairs beyond the BMP) for non-ASCII.
func writePyString(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r < 0x20:
			fmt.Fprintf(b, `\u%04x`, r)
		case r < 0x80:
			b.WriteRune(r)
		case r > 0xffff:
			r1, r2 := utf16.EncodeRune(r)
			fmt.Fprintf(b, `\u%04x\u%04x`, r1, r2)
		default:
			fmt.Fprintf(b, `\u%04x`, r)
		}
	}
	b.WriteByte('"')
}

// pyJSON re-spells a JSON document made by encoding/json (sorted keys,
// compact) as Python would write it.
func pyJSON(compact []byte) string {
	v, err := decodeOrdered(string(compact))
	if err != nil {
		return string(compact)
	}
	return encodePy(v)
}
