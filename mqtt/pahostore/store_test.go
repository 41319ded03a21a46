package pahostore

import (
	"bytes"
	"io"
	"slices"
	"sync"
	"testing"

	"github.com/eclipse/paho.mqtt.golang/packets"
)

// What paho does after a reconnect: the writer sends a publish that is also
// in the store while resume loads it from the store and marks it a
// duplicate. With the race detector on, this fails if the store hands out
// (or encodes at Get) the packet it was given.
func TestResendGetsItsOwnPacket(t *testing.T) {
	s := New()
	s.Open()
	p := packets.NewControlPacket(packets.Publish).(*packets.PublishPacket)
	p.Qos, p.MessageID, p.TopicName, p.Payload = 1, 7, "cityhub/v1/stations/s1/commands", []byte(`{"cmd":"unlock"}`)
	s.Put("o.7", p) // by the owner, before paho hands the packet on

	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the writer
		defer wg.Done()
		for range 100 {
			if err := p.Write(io.Discard); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	got := s.Get("o.7").(*packets.PublishPacket)
	got.Dup = true
	again := s.Get("o.7").(*packets.PublishPacket)
	wg.Wait()

	if p.Dup || again.Dup {
		t.Fatal("marking one copy marked another")
	}
	if got.MessageID != 7 || got.Qos != 1 || got.TopicName != p.TopicName || !bytes.Equal(got.Payload, p.Payload) {
		t.Fatalf("copy %+v differs from %+v", got, p)
	}
}

func TestKeysAndLifecycle(t *testing.T) {
	s := New()
	ack := packets.NewControlPacket(packets.Puback).(*packets.PubackPacket)
	ack.MessageID = 3
	s.Put("i.3", ack)
	if len(s.All()) != 0 {
		t.Fatal("a closed store kept a packet")
	}
	s.Open()
	s.Put("i.3", ack)
	s.Put("o.4", ack)
	if got := slices.Sorted(slices.Values(s.All())); !slices.Equal(got, []string{"i.3", "o.4"}) {
		t.Fatalf("keys %v", got)
	}
	s.Close()
	s.Open()
	if got, ok := s.Get("i.3").(*packets.PubackPacket); !ok || got.MessageID != 3 {
		t.Fatalf("after close and open: %v", got)
	}
	s.Del("i.3")
	if s.Get("i.3") != nil || s.Get("o.9") != nil {
		t.Fatal("a deleted or missing key gave a packet")
	}
	s.Reset()
	if len(s.All()) != 0 {
		t.Fatal("reset kept packets")
	}
}
