package main

import (
	"flag"
	"strings"
	"testing"
)

// Every bad setting is reported in one go, each under its own variable,
// and a list reports each bad entry, so one start shows the operator all
// there is to fix.
func TestEveryBadSettingIsReportedAtOnce(t *testing.T) {
	env := map[string]string{
		"DRIP_SMTP_RATE":       "NaN",
		"DRIP_TRUSTED_PROXIES": "192.0.2.0/24, nowhere, 300.1.1.1/8",
		"DRIP_POSTAL_ADDRESS":  "1 Harbour Road\nPortsmouth",
		"DRIP_TICK":            "1ms",
		"DRIP_LOG_FORMAT":      "xml",
	}
	_, err := parseConfig(flag.NewFlagSet("test", flag.ContinueOnError), nil, func(k string) string { return env[k] })
	if err == nil {
		t.Fatal("bad settings were accepted")
	}
	for _, want := range []string{
		`DRIP_SMTP_RATE: "NaN"`,
		`DRIP_TRUSTED_PROXIES: " nowhere"`,
		`DRIP_TRUSTED_PROXIES: " 300.1.1.1/8"`,
		"DRIP_POSTAL_ADDRESS: the postal address must be one line of text",
		`DRIP_TICK: "1ms"`,
		`DRIP_LOG_FORMAT: "xml"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error lacks %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "192.0.2.0/24") {
		t.Errorf("a good CIDR was reported:\n%v", err)
	}
}

// A flag overrides the environment, which overrides the default, and the
// connection count reaches the SMTP settings whatever order they come in.
func TestSettingsComeFromFlagsThenEnvironment(t *testing.T) {
	env := map[string]string{"DRIP_TICK": "30s", "DRIP_SMTP_CONNECTIONS": "9", "DRIP_BASE_URL": "https://course.example.com/"}
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	c, err := parseConfig(fs, []string{"--tick", "1m", "--smtp-url", "smtp://mail.example.com", "rest"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.Tick.String() != "1m0s" || c.Lease.String() != "10m0s" || c.Connections != 9 || c.SMTP == nil || c.SMTP.Connections != 9 {
		t.Errorf("tick %s, lease %s, connections %d, smtp %+v; want 1m, the default 10m, 9 and 9", c.Tick, c.Lease, c.Connections, c.SMTP)
	}
	if c.BaseURL != "https://course.example.com" || strings.Join(fs.Args(), " ") != "rest" {
		t.Errorf("base URL %q, arguments %q", c.BaseURL, fs.Args())
	}
}

// help lists the commands in the order of the table, which starts with
// running the course and ends with help itself.
func TestHelpListsCommandsInOrder(t *testing.T) {
	out, err := runCmd(t, nil, "help")
	if err != nil {
		t.Fatal(err)
	}
	last := -1
	for _, c := range commands() {
		i := strings.Index(out, "\n  "+c.name+" ")
		if i <= last {
			t.Errorf("help shows %q at %d, after the command before it (at %d):\n%s", c.name, i, last, out)
		}
		last = i
	}
	if cs := commands(); cs[0].name != "serve" || cs[len(cs)-1].name != "help" {
		t.Errorf("the table runs from %q to %q, want serve to help", cs[0].name, cs[len(cs)-1].name)
	}
}
