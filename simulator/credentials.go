package simulator

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// A credentials file lists one station per line, "station-id secret";
// blank lines and lines starting with # are skipped. The demo writes one for
// its simulated stations, and `cityhub simulate -credentials` reads it.

// ReadCredentials reads a credentials file.
func ReadCredentials(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("station credentials: %w", err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, secret, ok := strings.Cut(line, " ")
		secret = strings.TrimSpace(secret)
		if !ok || id == "" || secret == "" || strings.ContainsAny(secret, " \t") {
			return nil, fmt.Errorf("station credentials %s line %d: want \"station-id secret\"", path, n)
		}
		out[id] = secret
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("station credentials %s: %w", path, err)
	}
	return out, nil
}

// WriteCredentials writes creds in the credentials file format, sorted by
// station id.
func WriteCredentials(w io.Writer, creds map[string]string) error {
	ids := make([]string, 0, len(creds))
	for id := range creds {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	if _, err := fmt.Fprintln(w, "# cityhub station credentials: station-id secret (MQTT username and password)"); err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := fmt.Fprintf(w, "%s %s\n", id, creds[id]); err != nil {
			return err
		}
	}
	return nil
}
