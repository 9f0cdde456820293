// Package webhook tells other tools what happened, per the Standard
// Webhooks specification (https://www.standardwebhooks.com): each event is
// POSTed as {"type", "timestamp", "data"} with the headers webhook-id,
// webhook-timestamp and webhook-signature (v1, HMAC-SHA256 of
// "id.timestamp.body" under the endpoint's whsec_ secret).
//
// The package owns three things:
//
//   - signing and verifying (Sign, Verify, Secret);
//   - a guarded HTTP client (NewClient, ValidateURL) that refuses loopback,
//     private, link-local, metadata and other non-public destinations at
//     every connection, after DNS resolution, follows no redirect, and
//     reads a capped response;
//   - the Dispatcher, which drains the store's outbox: it claims due
//     deliveries with a lease, at most a few per endpoint at once, sends
//     each on its own goroutine, records every attempt, retries with
//     exponential backoff and full jitter for up to three days, and
//     disables an endpoint that has failed for three days, with an alert.
//
// It does not own persistence: the store implements Outbox (MemOutbox is
// the in-memory one for tests), writing each event in the same
// transaction as the change it reports. Delivery is at least once; the
// webhook-id is the same on every attempt, so receivers deduplicate.
// Asymmetric (v1a, ed25519) signatures are not implemented.
package webhook
