package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"

	"gopkg.in/yaml.v3"
)

// maxConfigBytes bounds the config file: a settings file is small, and a
// path naming a device or a pipe must not be read forever.
const maxConfigBytes = 1 << 20

// readLimited reads r, refusing more than maxConfigBytes.
func readLimited(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxConfigBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxConfigBytes {
		return nil, fmt.Errorf("larger than %d bytes; a settings file is small", maxConfigBytes)
	}
	return data, nil
}

// checkDocument rejects what decoding into fileConfig lets through
// silently: a second document after "---" (never read), text after the
// first document that is not YAML, a top level that is not a mapping
// (an anchored scalar such as "&a x" decodes as no settings at all), a
// key that is not text and !!binary values (read as their base64 text).
func checkDocument(data []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
		return nil // an empty file: no settings
	} else if err != nil {
		return err
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return fmt.Errorf("line %d: a second YAML document (after ---); put every setting in one", extra.Line)
	} else if !errors.Is(err, io.EOF) {
		return err
	}
	if len(doc.Content) == 0 {
		return nil
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return nil
	}
	if root.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: want settings as key: value lines", root.Line)
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		// yaml.v3 skips a null key ("~: x") without a word.
		if k := root.Content[i]; k.Kind != yaml.ScalarNode || k.Tag != "!!str" && k.Tag != "!!merge" {
			return fmt.Errorf("line %d: unknown key %s (known keys: %s)", k.Line, strconv.Quote(k.Value), knownKeys())
		}
		values := []*yaml.Node{root.Content[i+1]}
		if values[0].Kind == yaml.SequenceNode {
			values = values[0].Content
		}
		for _, v := range values {
			if v.Kind == yaml.ScalarNode && v.Tag == "!!binary" {
				return fmt.Errorf("line %d: %s: a !!binary value; write the setting as text", v.Line, root.Content[i].Value)
			}
		}
	}
	return nil
}
