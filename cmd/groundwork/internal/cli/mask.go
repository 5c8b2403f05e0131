package cli

import (
	"context"
	"log/slog"

	"github.com/groundworkdb/groundwork/internal/redact"
)

// masker replaces every known secret with *** in text about to be shown:
// the last line of defence behind core.Secret and dburl's redaction.
type masker struct {
	secrets []string
	r       *redact.Redactor // of secrets, rebuilt by add, not per line
}

// add registers secrets; mask finds them in every spelling a URL or a
// query string can give them.
func (m *masker) add(secrets ...string) {
	for _, s := range secrets {
		if s != "" {
			m.secrets = append(m.secrets, s)
		}
	}
	m.r = redact.New("***", m.secrets...)
}

// mask returns s with every secret replaced by ***.
func (m *masker) mask(s string) string {
	if m == nil || m.r == nil {
		return s
	}
	return m.r.Redact(s)
}

// replaceAttr masks every log attribute that can carry text: strings,
// errors and anything printed through String.
func (m *masker) replaceAttr(_ []string, a slog.Attr) slog.Attr {
	switch a.Value.Kind() {
	case slog.KindString:
		a.Value = slog.StringValue(m.mask(a.Value.String()))
	case slog.KindAny:
		switch v := a.Value.Any().(type) {
		case error:
			a.Value = slog.StringValue(m.mask(v.Error()))
		case interface{ String() string }:
			a.Value = slog.StringValue(m.mask(v.String()))
		case []string:
			out := make([]string, len(v))
			for i, s := range v {
				out[i] = m.mask(s)
			}
			a.Value = slog.AnyValue(out)
		}
	}
	return a
}

// maskHandler masks the message of each record (ReplaceAttr sees the
// attributes; the message reaches it only for the built-in handlers'
// "msg" key, which this makes sure of whatever the handler).
type maskHandler struct {
	slog.Handler
	m *masker
}

func (h maskHandler) Handle(ctx context.Context, r slog.Record) error {
	r.Message = h.m.mask(r.Message)
	return h.Handler.Handle(ctx, r)
}

func (h maskHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return maskHandler{Handler: h.Handler.WithAttrs(attrs), m: h.m}
}

func (h maskHandler) WithGroup(name string) slog.Handler {
	return maskHandler{Handler: h.Handler.WithGroup(name), m: h.m}
}
