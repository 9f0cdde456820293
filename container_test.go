package dripcourse_test

import (
	"bufio"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The image is built where these tests cannot reach a Docker engine, so
// they read the files that decide what goes into it.

func TestDockerBaseImagesArePinned(t *testing.T) {
	exact := regexp.MustCompile(`^FROM\s+\S+(@sha256:[0-9a-f]{64}|:\d+\.\d+\.\d+\S*)(\s+AS\s+\S+)?$`)
	n := 0
	for _, line := range fileLines(t, "Dockerfile") {
		if !strings.HasPrefix(line, "FROM ") {
			continue
		}
		n++
		if !exact.MatchString(line) {
			t.Errorf("Dockerfile: %q is not pinned to a digest or an exact version", line)
		}
	}
	if n == 0 {
		t.Fatal("Dockerfile has no FROM line")
	}
}

func TestDockerDataIsPrivate(t *testing.T) {
	df := strings.Join(fileLines(t, "Dockerfile"), "\n")
	if !strings.Contains(df, "chmod 0700 /out/data") {
		t.Error("Dockerfile: /data must be created mode 0700: it holds the database and the signing secret")
	}
}

func TestDockerIgnoreKeepsSecretsOut(t *testing.T) {
	ignored := fileLines(t, ".dockerignore")
	for _, want := range []string{".git", "data", "/dripcourse", "*.test"} {
		if !slices.Contains(ignored, want) {
			t.Errorf(".dockerignore does not list %q", want)
		}
	}
}

func fileLines(t *testing.T, name string) []string {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}
