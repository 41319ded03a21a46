package main

import (
	"context"
	"errors"
	"strings"
	"testing"

	"cityhub/config"
	"cityhub/web/feeds"
)

// The embedded database's disk check fails under its margin with a public
// reason that names no path, and passes on this machine's temporary
// directory, read for real.
func TestDiskCheck(t *testing.T) {
	dir := t.TempDir()
	free, err := freeBytes(dir)
	if err != nil || free == 0 {
		t.Fatalf("free space of a temporary directory: %d, %v", free, err)
	}
	if err := diskCheck(dir, 1, freeBytes)(context.Background()); err != nil {
		t.Fatalf("a disk with room: %v", err)
	}
	// A file system that has filled up, as statfs reports one.
	full := func(string) (uint64, error) { return 10 << 20, nil }
	err = diskCheck(dir, uint64(config.Default().DiskMinFreeMiB)<<20, full)(context.Background())
	var reason feeds.Reason
	if !errors.As(err, &reason) || strings.Contains(string(reason), dir) || !strings.Contains(string(reason), "less than 64 MiB free") {
		t.Fatalf("a full disk: %v (reason %q)", err, reason)
	}
	// A margin set higher (CITYHUB_DISK_MIN_FREE_MIB=512) takes the hub
	// out with more room left.
	roomy := func(string) (uint64, error) { return 100 << 20, nil }
	if err := diskCheck(dir, 512<<20, roomy)(context.Background()); !errors.As(err, &reason) || !strings.Contains(string(reason), "less than 512 MiB free") {
		t.Fatalf("100 MiB free under a margin of 512 MiB: %v", err)
	}
	if err := diskCheck(dir, 64<<20, roomy)(context.Background()); err != nil {
		t.Fatalf("100 MiB free under a margin of 64 MiB: %v", err)
	}
}
