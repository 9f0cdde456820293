package render

import htmltemplate "html/template"

// CourseInfo is what templates know of a course.
type CourseInfo struct {
	Slug        string
	Title       string
	Tagline     string
	Description string
	Promises    []string
	Lessons     []LessonInfo
	Days        int // the day the last lesson arrives, counted from signup
	Discreet    bool
	// Path is the course's own page, and SignupPath where its form posts.
	Path, SignupPath string
	// Start is a cohort course's first day, written out ("11 January
	// 2027"); empty for a course each reader starts when they confirm.
	Start string
	// Started: the cohort has begun. Closed: and it takes no signups.
	Started, Closed bool
}

// LessonInfo is one line of the course page's lesson list.
type LessonInfo struct {
	Number int
	Title  string
	Day    int // days after signup
}

// Page is the data of every public page. Each page uses the fields it
// needs; the rest stay empty.
type Page struct {
	Course CourseInfo
	// Courses is the catalogue, when there are several.
	Courses []CourseInfo
	// NextCourse is offered on a finished reader's page, with the
	// button's link in NextCourseURL.
	NextCourse    CourseInfo
	NextCourseURL string
	Title         string // the page's <title>, before the course title
	Nonce         string // CSP nonce for the page's inline script

	// The signup form, re-shown with the reader's input after a mistake.
	Email    string
	Name     string
	Timezone string
	Error    string
	Started  string // signed form-start time, for the bot check

	// Pages with a confirming button post to Action.
	Action string
	// Undo is the re-subscribe action offered after unsubscribing.
	Undo string
	// Message is a short line for result and error pages.
	Message string
	Status  int
	// Already: the link had done its work before, and nothing changed
	// (a confirm link used twice, an unsubscribe repeated).
	Already bool
	// Finished: the reader has had every lesson, so a link about the
	// next one has nothing to do.
	Finished bool
	// Everything: the reader stopped every course, and the address is
	// never mailed again.
	Everything bool
}

// Email is the data of every email.
type Email struct {
	Course         CourseInfo
	Name           string // the reader's first name, when given
	Subject        string
	Preheader      string
	Title          string // the lesson's real title, shown inside even in discreet mode
	Number         int
	Total          int
	Last           bool
	BodyHTML       htmltemplate.HTML // the lesson, rendered from Markdown at load
	BodyText       string
	ConfirmURL     string
	UnsubscribeURL string
	ViewURL        string
	NextURL        string
	PauseURL       string
	PixelURL       string // empty when opens are not tracked
	PostalAddress  string
	// NextCourse is the course offered at the end of the last lesson,
	// with its button's signed link in NextCourseURL; empty otherwise.
	NextCourse    CourseInfo
	NextCourseURL string
}
