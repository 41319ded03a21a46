package apperr

import (
	"fmt"
	"slices"
	"testing"
)

// A refusal keeps the values its message names, through wrapping, so that
// a page in another language can name them too.
func TestArgsOfKeepsTheMessagesValues(t *testing.T) {
	err := fmt.Errorf("seat map: %w", R(Invalid, "duplicate_seat", "Seat %s appears twice in row %d.", "Platea/A/5", 3))
	if got := ArgsOf(err); !slices.Equal(got, []any{"Platea/A/5", 3}) || MessageOf(err) != "Seat Platea/A/5 appears twice in row 3." {
		t.Fatalf("args %v, message %q", got, MessageOf(err))
	}
	if got := ArgsOf(Said(Invalid, "duplicate_seat", "Seat Platea/A/5 appears twice.")); got != nil {
		t.Fatalf("a message already made keeps %v", got)
	}
	if got := ArgsOf(E(Invalid, "no reason")); got != nil {
		t.Fatalf("E keeps %v", got)
	}
	if got := ArgsOf(fmt.Errorf("plain")); got != nil {
		t.Fatalf("a plain error has %v", got)
	}
}
