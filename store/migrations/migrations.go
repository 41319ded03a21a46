// Package migrations lists an engine's embedded migration files in the order
// they apply. Each engine applies them with its own SQL; this package only
// reads names, so both engines agree on what a migration file is.
package migrations

import (
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

// File is one migration: NNNN_name.sql under the directory "migrations".
type File struct {
	Version int
	Name    string
}

// List returns the .sql files of fsys's "migrations" directory by version,
// refusing names without a version and two files with one version.
func List(fsys fs.FS) ([]File, error) {
	entries, err := fs.ReadDir(fsys, "migrations")
	if err != nil {
		return nil, fmt.Errorf("migrate: list migrations: %w", err)
	}
	var out []File
	seen := map[int]string{}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migrate: %s: name must be NNNN_name.sql", name)
		}
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrate: %s and %s share version %d", prev, name, v)
		}
		seen[v] = name
		out = append(out, File{Version: v, Name: name})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// Pending returns the files not yet applied, in order. A database that
// records a version none of files has was migrated by a newer release:
// running it with this one could write rows the newer schema does not
// expect, so that is an error, never ignored. Migrations only move forward;
// going back means restoring a backup.
func Pending(applied []int, files []File) ([]File, error) {
	known := make(map[int]bool, len(files))
	for _, f := range files {
		known[f.Version] = true
	}
	done := make(map[int]bool, len(applied))
	var unknown []string
	for _, v := range applied {
		done[v] = true
		if !known[v] {
			unknown = append(unknown, strconv.Itoa(v))
		}
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("migrate: the database was migrated by a newer cityhub (migrations %s are unknown to this binary); run that release or newer, or restore a backup made before the upgrade",
			strings.Join(unknown, ", "))
	}
	var out []File
	for _, f := range files {
		if !done[f.Version] {
			out = append(out, f)
		}
	}
	return out, nil
}
