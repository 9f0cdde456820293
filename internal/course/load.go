package course

import (
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// CourseFile is the name of the course description in a lessons directory.
const CourseFile = "course.yaml"

const maxFileSize = 1 << 20

var lessonName = regexp.MustCompile(`^(\d{1,4})-([a-z0-9]+(?:-[a-z0-9]+)*)\.md$`)

// Load reads and validates the course in fsys. On any problem it returns a
// Problems error listing all of them, and no course.
func Load(fsys fs.FS) (*Course, error) {
	var ps Problems
	c := &Course{bySlug: map[string]*Lesson{}}
	ps = append(ps, loadCourseFile(fsys, c)...)
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, Problems{{File: ".", Msg: fmt.Sprintf("cannot list lessons: %v", err)}}
	}
	type numbered struct {
		n    int
		name string
	}
	var files []numbered
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".md") || strings.EqualFold(name, "README.md") {
			continue
		}
		m := lessonName.FindStringSubmatch(name)
		if m == nil {
			ps = append(ps, Problem{File: name, Msg: "lesson file names look like 03-slug.md: a number, a dash, then lower-case words joined by dashes"})
			continue
		}
		n, _ := strconv.Atoi(m[1])
		files = append(files, numbered{n, name})
	}
	sort.SliceStable(files, func(i, j int) bool { return files[i].n < files[j].n })
	for _, f := range files {
		l, lps := loadLesson(fsys, f.name)
		ps = append(ps, lps...)
		if l == nil {
			continue
		}
		if prev, dup := c.bySlug[l.Slug]; dup {
			ps = append(ps, Problem{File: f.name, Line: 1, Msg: fmt.Sprintf("duplicate slug %q: %s has it too", l.Slug, prev.File)})
			continue
		}
		c.Lessons = append(c.Lessons, l)
		c.bySlug[l.Slug] = l
		l.Number = len(c.Lessons)
	}
	if len(files) == 0 {
		ps = append(ps, Problem{File: ".", Msg: "no lessons: add files named like 01-welcome.md"})
	}
	if len(ps) > 0 {
		return nil, ps
	}
	return c, nil
}

func readLimited(fsys fs.FS, name string) ([]byte, error) {
	st, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, err
	}
	if st.Size() > maxFileSize {
		return nil, fmt.Errorf("file is %d bytes; the limit is %d", st.Size(), maxFileSize)
	}
	return fs.ReadFile(fsys, name)
}

// courseYAML is course.yaml as written.
type courseYAML struct {
	Slug               string   `yaml:"slug"`
	Title              string   `yaml:"title"`
	Tagline            string   `yaml:"tagline"`
	Description        string   `yaml:"description"`
	Promises           []string `yaml:"promises"`
	SenderName         string   `yaml:"sender_name"`
	Timezone           string   `yaml:"timezone"`
	SendWindow         string   `yaml:"send_window"`
	Weekdays           []string `yaml:"weekdays"`
	FirstLesson        string   `yaml:"first_lesson"`
	Discreet           bool     `yaml:"discreet"`
	DiscreetSenderName string   `yaml:"discreet_sender_name"`
	DiscreetSubject    string   `yaml:"discreet_subject"`
}

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)

func loadCourseFile(fsys fs.FS, c *Course) Problems {
	const file = CourseFile
	body, err := readLimited(fsys, file)
	if errors.Is(err, fs.ErrNotExist) {
		return Problems{{File: file, Msg: "missing: every course needs a course.yaml with at least slug and title"}}
	}
	if err != nil {
		return Problems{{File: file, Msg: err.Error()}}
	}
	var y courseYAML
	lines, ps := decodeStrict(file, body, 0, &y)
	if len(ps) > 0 {
		return ps
	}
	at := func(key string) int { return lines[key] }
	bad := func(key, msg string) { ps = append(ps, Problem{File: file, Line: at(key), Msg: msg}) }
	c.Slug, c.Title, c.Tagline, c.Description = y.Slug, y.Title, y.Tagline, strings.TrimSpace(y.Description)
	c.Promises, c.SenderName, c.Discreet = y.Promises, y.SenderName, y.Discreet
	if !slugPattern.MatchString(y.Slug) {
		bad("slug", "slug must be lower-case words joined by dashes, like rebuilding-trust")
	}
	if strings.TrimSpace(y.Title) == "" {
		bad("title", "title is missing")
	}
	if c.SenderName == "" {
		c.SenderName = c.Title
	}
	if hasLineBreak(c.SenderName) {
		bad("sender_name", "sender_name must be one line")
	}
	var zoneErr error
	if c.Timezone, zoneErr = loadZone(y.Timezone); zoneErr != nil {
		bad("timezone", zoneErr.Error())
	}
	w, err := parseWindow(y.SendWindow)
	if err != nil {
		bad("send_window", err.Error())
	}
	c.Window = w
	if err := parseWeekdays(y.Weekdays, &c.Weekdays); err != nil {
		bad("weekdays", err.Error())
	}
	switch y.FirstLesson {
	case "", "immediate":
	case "window":
		c.WaitForWindow = true
	default:
		bad("first_lesson", fmt.Sprintf("first_lesson is %q: use immediate or window", y.FirstLesson))
	}
	c.DiscreetSenderName, c.DiscreetSubject = orDefault(y.DiscreetSenderName, "Weekly notes"), orDefault(y.DiscreetSubject, "Your weekly notes, part {{n}}")
	if hasLineBreak(c.DiscreetSenderName) || hasLineBreak(c.DiscreetSubject) {
		bad("discreet_subject", "discreet_sender_name and discreet_subject must be one line")
	}
	return ps
}

func orDefault(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

func hasLineBreak(s string) bool { return strings.ContainsAny(s, "\r\n") }

func loadZone(name string) (*time.Location, error) {
	if name == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil || name == "Local" {
		return nil, fmt.Errorf("timezone %q is not an IANA zone name such as Europe/London", name)
	}
	return loc, nil
}

func parseWindow(s string) (Window, error) {
	if s == "" {
		return Window{Start: 8 * time.Hour, End: 10 * time.Hour}, nil
	}
	from, to, ok := strings.Cut(s, "-")
	start, err1 := time.Parse("15:04", strings.TrimSpace(from))
	end, err2 := time.Parse("15:04", strings.TrimSpace(to))
	if !ok || err1 != nil || err2 != nil {
		return Window{}, fmt.Errorf("send_window %q: write it like 08:00-10:00", s)
	}
	w := Window{
		Start: time.Duration(start.Hour())*time.Hour + time.Duration(start.Minute())*time.Minute,
		End:   time.Duration(end.Hour())*time.Hour + time.Duration(end.Minute())*time.Minute,
	}
	if w.End <= w.Start {
		return Window{}, fmt.Errorf("send_window %q: the end must be later in the day than the start", s)
	}
	return w, nil
}

var dayNames = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

func parseWeekdays(names []string, days *[7]bool) error {
	if len(names) == 0 {
		*days = [7]bool{true, true, true, true, true, true, true}
		return nil
	}
	for _, n := range names {
		low := strings.ToLower(strings.TrimSpace(n))
		d, ok := dayNames[low[:min(3, len(low))]]
		if !ok {
			return fmt.Errorf("weekday %q: use mon, tue, wed, thu, fri, sat, sun", n)
		}
		days[d] = true
	}
	return nil
}

// decodeStrict decodes YAML into v, refusing unknown keys, and returns the
// line of each top-level key. offset is added to every line number, for
// front matter that starts below the top of its file.
func decodeStrict(file string, body []byte, offset int, v any) (map[string]int, Problems) {
	var doc yaml.Node
	if err := yaml.Unmarshal(body, &doc); err != nil {
		return nil, Problems{yamlProblem(file, offset, err)}
	}
	lines := map[string]int{}
	if len(doc.Content) == 0 {
		return lines, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, Problems{{File: file, Line: root.Line + offset, Msg: "expected key: value lines"}}
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		lines[root.Content[i].Value] = root.Content[i].Line + offset
	}
	dec := yaml.NewDecoder(strings.NewReader(string(body)))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		return nil, Problems{yamlProblem(file, offset, err)}
	}
	return lines, nil
}

var yamlLine = regexp.MustCompile(`line (\d+): (.*)`)

func yamlProblem(file string, offset int, err error) Problem {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return Problem{File: file, Line: n + offset, Msg: m[2]}
	}
	return Problem{File: file, Line: offset + 1, Msg: msg}
}
