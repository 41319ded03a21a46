package main

import (
	"context"
	"fmt"
	"syscall"

	"cityhub/web/feeds"
)

// freeBytes is what an unprivileged process may still write on dir's
// file system.
func freeBytes(dir string) (uint64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, fmt.Errorf("free space of %s: %w", dir, err)
	}
	return st.Bavail * uint64(st.Bsize), nil
}

// diskCheck is the readiness check of the embedded database's disk: it
// fails, saying so publicly without the path, when dir's file system has
// less than min bytes free (CITYHUB_DISK_MIN_FREE_MIB). SQLite refuses
// writes once its file or its write-ahead log cannot grow, while reads (and
// so a ping) still succeed; the margin takes the hub out before that, with
// room for a checkpoint.
func diskCheck(dir string, min uint64, free func(string) (uint64, error)) func(context.Context) error {
	return func(context.Context) error {
		n, err := free(dir)
		if err != nil {
			return err
		}
		if n < min {
			return fmt.Errorf("%w (%d bytes free in %s)", feeds.Reason(fmt.Sprintf("the database's disk has less than %d MiB free", min>>20)), n, dir)
		}
		return nil
	}
}
