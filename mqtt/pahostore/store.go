// Package pahostore is the message store every paho client of the project
// uses, hub and simulated stations alike.
package pahostore

import (
	"bytes"
	"log/slog"
	"sync"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/eclipse/paho.mqtt.golang/packets"
)

// Store keeps in memory, like paho's MemoryStore, the packets a session has
// in flight, but as their encoded bytes: Put encodes the packet it is given
// and Get decodes a new one each time.
//
// Why not paho's MemoryStore: after a reconnect paho walks its store and
// marks each QoS 1 publish as a duplicate before sending it again. The
// memory store hands out the very packet it was given, and a command
// published just after the reconnect is both in the store and on its way
// to the wire, so the mark (and the writer's own bookkeeping in the packet)
// raced. Put runs on the goroutine that owns the packet, before paho hands
// it on, so encoding it there reads nothing another goroutine writes.
type Store struct {
	mu     sync.Mutex
	opened bool
	kept   map[string][]byte
}

var _ paho.Store = (*Store)(nil)

// New returns an empty store; paho opens it when it connects.
func New() *Store { return &Store{kept: map[string][]byte{}} }

// Open makes the store usable.
func (s *Store) Open() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opened = true
}

// Put keeps the encoded packet under key.
func (s *Store) Put(key string, p packets.ControlPacket) {
	var b bytes.Buffer
	if err := p.Write(&b); err != nil {
		// Writing to a buffer fails only for a packet paho could not send
		// either; keeping nothing means it is not resent after a reconnect.
		slog.Warn("mqtt store: packet not kept", slog.String("key", key), slog.Any("error", err))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.opened {
		s.kept[key] = b.Bytes()
	}
}

// Get returns a new copy of the packet kept under key, or nil.
func (s *Store) Get(key string) packets.ControlPacket {
	s.mu.Lock()
	b, ok := s.kept[key]
	s.mu.Unlock()
	if !ok {
		return nil
	}
	p, err := packets.ReadPacket(bytes.NewReader(b))
	if err != nil {
		return nil
	}
	return p
}

// All returns the keys of the kept packets.
func (s *Store) All() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]string, 0, len(s.kept))
	for k := range s.kept {
		keys = append(keys, k)
	}
	return keys
}

// Del forgets the packet kept under key.
func (s *Store) Del(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.kept, key)
}

// Close refuses further packets until opened again; what is kept stays, to
// be resent after the next connect, as with paho's own memory store.
func (s *Store) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opened = false
}

// Reset forgets everything.
func (s *Store) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.kept)
}
