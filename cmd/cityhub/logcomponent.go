package main

import (
	"context"
	"log/slog"
)

// oneComponent keeps a single "component" on every line: the innermost.
// A part is given the logger of the part that wires it (mqtt's client and
// broker get mobility's), and each adds its own component; slog's handlers
// would write both, and a JSON line with a key twice is read differently
// by each tool (most keep the last, some the first, some refuse it).
type oneComponent struct {
	h    slog.Handler
	comp slog.Attr // zero while none was given
}

func (o oneComponent) Enabled(ctx context.Context, l slog.Level) bool { return o.h.Enabled(ctx, l) }

func (o oneComponent) WithAttrs(as []slog.Attr) slog.Handler {
	rest := make([]slog.Attr, 0, len(as))
	for _, a := range as {
		if a.Key == "component" {
			o.comp = a
			continue
		}
		rest = append(rest, a)
	}
	if len(rest) > 0 {
		o.h = o.h.WithAttrs(rest)
	}
	return o
}

// WithGroup writes the component before the group opens: one given after
// is inside the group, where it cannot repeat a key of the line's top.
func (o oneComponent) WithGroup(name string) slog.Handler {
	if name == "" {
		return o
	}
	h := o.h
	if o.comp.Key != "" {
		h = h.WithAttrs([]slog.Attr{o.comp})
	}
	return oneComponent{h: h.WithGroup(name)}
}

func (o oneComponent) Handle(ctx context.Context, r slog.Record) error {
	if o.comp.Key == "" {
		return o.h.Handle(ctx, r)
	}
	own := false // a component given with the message itself wins
	r.Attrs(func(a slog.Attr) bool {
		own = a.Key == "component"
		return !own
	})
	if !own {
		r = r.Clone()
		r.AddAttrs(o.comp)
	}
	return o.h.Handle(ctx, r)
}
