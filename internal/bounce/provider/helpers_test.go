package provider

import "time"

// testNow is the fixed time every test runs at.
var testNow = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
