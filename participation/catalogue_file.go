package participation

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// MaxCatalogueFile bounds a catalogue file: a city's offices, categories
// and contrade take a few kilobytes.
const MaxCatalogueFile = 1 << 20

// LoadCatalogue reads a city's catalogue from the JSON file at path (the
// format is in docs/participation.md) and validates it. Unknown fields are
// refused, so that a misspelt "name_en" is an error at start rather than a
// category without an English name. Every error names the file.
func LoadCatalogue(path string) (Catalogue, error) {
	f, err := os.Open(path)
	if err != nil {
		return Catalogue{}, fmt.Errorf("participation catalogue %s: %w", path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxCatalogueFile+1))
	if err != nil {
		return Catalogue{}, fmt.Errorf("participation catalogue %s: %w", path, err)
	}
	if len(data) > MaxCatalogueFile {
		return Catalogue{}, fmt.Errorf("participation catalogue %s: larger than %d bytes", path, MaxCatalogueFile)
	}
	c, err := ParseCatalogue(data)
	if err != nil {
		return Catalogue{}, fmt.Errorf("participation catalogue %s: %w", path, err)
	}
	return c, nil
}

// ParseCatalogue decodes and validates a catalogue in JSON.
func ParseCatalogue(data []byte) (Catalogue, error) {
	var c Catalogue
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return Catalogue{}, fmt.Errorf("not valid JSON at byte %d: %w", se.Offset, err)
		}
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return Catalogue{}, fmt.Errorf("not valid JSON: it ends too early")
		}
		return Catalogue{}, fmt.Errorf("not a catalogue: %w", err)
	}
	if dec.More() {
		return Catalogue{}, errors.New("not a catalogue: more than one JSON value")
	}
	if err := c.Validate(); err != nil {
		return Catalogue{}, err
	}
	return c, nil
}
