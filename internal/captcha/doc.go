// Package captcha owns dripcourse's proof-of-work captcha: a challenge the
// server signs, a script that solves it in the reader's browser, and the
// check of the solution. It needs no third party: the challenge, the script
// and the check are all served by dripcourse.
//
// # Protocol
//
// The wire format is ALTCHA's (version 1, SHA-256), so a form may use
// either this package's script or the ALTCHA widget itself:
//
//   - GET on the challenge URL answers
//     {"algorithm":"SHA-256","challenge":C,"maxnumber":N,"salt":S,"signature":G}
//     where S is 32 random hex digits followed by "?expires=<unix seconds>&",
//     C is the hex SHA-256 of S followed by the decimal of a secret number
//     drawn uniformly below N, and G is the hex HMAC-SHA-256 of C under the
//     server's key.
//   - The browser tries 0, 1, 2, ... until SHA-256(S + n) is C, and posts
//     the base64 of {"algorithm","challenge","number","salt","signature"}
//     in the form field "altcha".
//   - Verify checks the signature, the hash, the expiry and that the
//     solution was never used before (through a [Spender], which on
//     PostgreSQL is shared by every instance).
//
// The salt's parameters end with "&", as ALTCHA's libraries have done since
// their 2025 advisory on challenge splicing: without it, digits could move
// from the number into the expiry and the hash would still match. Verify
// also accepts only salts of exactly the shape this package makes, and
// spends the challenge (not the salt and number), so a solution cannot be
// split another way and used twice.
//
// Verification costs one SHA-256, one HMAC-SHA-256 and one Spend.
//
// # The script
//
// [Script] serves altcha.js, which defines the <altcha-widget> element:
//
//	<form method="post" action="https://drip.example/c/course/subscribe">
//	  <label>Email <input type="email" name="email" required></label>
//	  <altcha-widget challengeurl="https://drip.example/captcha/challenge"></altcha-widget>
//	  <button>Sign up</button>
//	</form>
//	<script src="https://drip.example/captcha/altcha.js" defer></script>
//
// Attributes: challengeurl (required), name (the field, default "altcha"),
// auto ("onfocus", the default, "onload" or "onsubmit"), workers (how many
// Web Workers solve in parallel) and strings (JSON that replaces any of the
// texts: label, idle, verifying, waiting, verified, failed, unsolved,
// retry).
//
// By default it starts solving when the reader first focuses or types in
// the form, not on load: a form in a blog's footer is seen by many more
// readers than fill it in, and solving for each of them would cost every
// reader's battery and every page view a challenge. Half a second of work
// is done long before the reader has typed an address; a reader who submits
// sooner waits for it, with the status saying so. The element fires
// "statechange" events whose detail holds the state ("verifying",
// "verified", "error") and, once verified, the payload, as ALTCHA's does.
//
// # Content Security Policy
//
// The script uses no eval, no inline script or event handler and no
// stylesheet (its few styles are set through the CSSOM, which style-src
// does not govern). A page that uses it needs, besides its own sources:
//
//	script-src  <dripcourse origin>
//	connect-src <dripcourse origin>   (to fetch the challenge)
//	worker-src  blob:                 (the worker is made from a Blob)
//	form-action <dripcourse origin>   (if the page sets form-action)
//
// A worker cannot be loaded from another origin's URL, which is why it is
// made from a Blob of its own source. Where worker-src forbids blob:, the
// script solves on the page's main thread instead, in batches between
// which the page can handle input; that is as fast, but typing may stutter
// on a slow phone while it runs.
//
// The challenge handler sets no CORS headers: the web server knows the
// trusted origins and adds them. The script's fetch sends no credentials
// and no custom header, so it is a simple CORS request with no preflight.
package captcha
