package editor

// PagePolicy is the Content-Security-Policy an admin page with an editor
// must send. Each part, and why:
//
//   - script-src 'self': the editor's script, from our own origin; no inline
//     script anywhere.
//   - style-src 'self' 'unsafe-inline', and no nonce: a preview set as an
//     iframe's srcdoc runs under its parent page's policy (an about:srcdoc
//     document inherits it), so the email's own <style> and style=""
//     attributes need 'unsafe-inline' there, and a nonce in style-src
//     would switch 'unsafe-inline' off. The page's own <style nonce="...">
//     still applies.
//   - connect-src 'self': the live preview's POST.
//   - frame-src 'self': a preview frame that first loads a saved preview by
//     URL (the srcdoc frame itself needs no source).
//   - img-src 'self' data:: the previewed email's images from elsewhere are
//     not fetched from the admin page, as in the admin's other previews.
//
// The preview frame must carry the sandbox attribute without allow-scripts
// and without allow-same-origin: the email's HTML then runs nothing and
// reaches nothing of the admin page.
const PagePolicy = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; connect-src 'self'; frame-src 'self'; form-action 'self'; " +
	"base-uri 'none'; frame-ancestors 'none'"
