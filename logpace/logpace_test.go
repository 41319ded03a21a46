package logpace

import (
	"fmt"
	"testing"
	"time"
)

// A key is logged once a minute, the next line counting those left out;
// all keys together at most Burst lines a minute.
func TestNote(t *testing.T) {
	var p Pace
	at := time.Date(2026, 12, 6, 22, 0, 0, 0, time.UTC)
	if ok, _ := p.Note("a", at); !ok {
		t.Fatal("the first event of a key is not logged")
	}
	for i := range 29 {
		if ok, _ := p.Note("a", at.Add(time.Duration(i+1)*time.Second)); ok {
			t.Fatal("a second event within the minute is logged")
		}
	}
	if ok, n := p.Note("a", at.Add(61*time.Second)); !ok || n != 29 {
		t.Fatalf("after a minute: logged %v, %d left out; want true, 29", ok, n)
	}
	var q Pace
	logged := 0
	for i := range Burst + 50 {
		if ok, _ := q.Note(fmt.Sprint("key", i), at); ok {
			logged++
		}
	}
	if logged != Burst {
		t.Fatalf("%d lines in a minute over many keys, want %d", logged, Burst)
	}
}
