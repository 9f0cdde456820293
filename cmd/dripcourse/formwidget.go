package main

import (
	"bytes"

	"github.com/dripcourse/dripcourse/internal/render"
	"github.com/dripcourse/dripcourse/internal/web"
)

// warnFormWidget warns when the captcha is on but the course page's
// template (an operator's DRIP_TEMPLATES from before the captcha) shows no
// widget: every signup on that page would be refused for want of a
// solution.
func (a *app) warnFormWidget() {
	if a.captcha == nil {
		return
	}
	ct := a.lib.Content()
	p := &render.Page{Title: "Sign up", Course: render.CourseInfo{Title: ct.Default().Title}, Captcha: web.ChallengePath}
	body, err := ct.Templates.Page("course", p)
	if err == nil && !bytes.Contains(body, []byte("<altcha-widget")) {
		a.log.Warn("DRIP_CAPTCHA is on, but pages/course.html has no <altcha-widget>: its form's signups will be refused. Add the widget and its script (see the built-in templates/pages/course.html), or set DRIP_CAPTCHA=off")
	}
}
