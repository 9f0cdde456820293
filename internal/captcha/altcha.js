// altcha.js, served by dripcourse: the <altcha-widget> element. It fetches a
// proof-of-work challenge from its challengeurl (ALTCHA protocol v1,
// SHA-256), solves it in Web Workers and puts the solution in a hidden field
// of its form. It makes no other request, and uses no eval, no inline event
// handler and no stylesheet, so it runs under a strict Content Security
// Policy (see the Go package internal/captcha for the directives it needs).
(() => {
  'use strict';
  if (!window.customElements || customElements.get('altcha-widget')) return;

  const TEXTS = {
    label: 'Spam check:',
    idle: 'runs when you use the form.',
    verifying: 'Verifying you are a person…',
    waiting: 'Verifying you are a person… The form will be sent as soon as this is done.',
    verified: 'Verified',
    failed: 'The check could not load. Check your connection, then try again.',
    unsolved: 'The check failed. Please try again.',
    retry: 'Try again',
  };
  const MAX_NUMBER = 1e8; // the most a challenge may ask of a phone
  const BATCH = 500; // digests in flight at once in each worker

  // solve looks for the number n in start, start+step, ... up to max whose
  // SHA-256(salt + n) is the hex challenge, and returns it, or -1. It runs
  // in workers (made from its source text) or, failing that, on the page.
  async function solve(salt, challenge, max, start, step, batch, signal) {
    const saltBytes = new TextEncoder().encode(salt);
    const want = new Uint8Array(32);
    for (let i = 0; i < 32; i++) want[i] = parseInt(challenge.slice(2 * i, 2 * i + 2), 16);
    const head = new DataView(want.buffer).getUint32(0);
    const buf = new Uint8Array(saltBytes.length + 20);
    buf.set(saltBytes);
    const matches = (digest) => {
      if (new DataView(digest).getUint32(0) !== head) return false;
      const got = new Uint8Array(digest);
      for (let i = 4; i < 32; i++) if (got[i] !== want[i]) return false;
      return true;
    };
    // Two batches are in flight at once, so that the crypto thread hashes
    // one while this thread queues the next and checks the last.
    let n = start;
    const issue = () => {
      const first = n;
      const pending = [];
      for (let k = 0; k < batch && n <= max; k++, n += step) {
        const digits = String(n);
        let len = saltBytes.length;
        for (let i = 0; i < digits.length; i++) buf[len++] = digits.charCodeAt(i);
        pending.push(crypto.subtle.digest('SHA-256', buf.subarray(0, len))); // copies buf now
      }
      return { first, digests: Promise.all(pending) };
    };
    for (let current = issue(); current;) {
      if (signal && signal.aborted) throw signal.reason;
      const next = n <= max ? issue() : null;
      const digests = await current.digests;
      for (let i = 0; i < digests.length; i++) {
        if (matches(digests[i])) return current.first + i * step;
      }
      current = next;
    }
    return -1;
  }

  function workerMain() {
    self.addEventListener('message', async (e) => {
      const d = e.data;
      try {
        self.postMessage({ number: await solve(d.salt, d.challenge, d.max, d.start, d.step, d.batch) });
      } catch (err) {
        self.postMessage({ error: String((err && err.message) || err) });
      }
    });
  }

  // A worker cannot be loaded from another origin's URL, and this script is
  // usually loaded from dripcourse by another site's page: the worker is
  // made from a Blob of its own source instead.
  const workerSource = '"use strict";\n' + solve.toString() + '\n(' + workerMain.toString() + ')();\n';
  let workerURL = null;

  class NoWorkers extends Error {}

  // Pool is a set of workers that share one search. They are started
  // before the challenge is fetched, so that their start-up overlaps the
  // request. A pool fails with NoWorkers if a worker cannot run (a CSP
  // without worker-src blob:), and the search then runs on the page.
  class Pool {
    constructor(count) {
      this.workers = [];
      try {
        workerURL = workerURL || URL.createObjectURL(new Blob([workerSource], { type: 'text/javascript' }));
        for (let i = 0; i < count; i++) {
          const w = new Worker(workerURL);
          w.addEventListener('error', (e) => { e.preventDefault(); this.fail(new NoWorkers('worker failed')); });
          w.addEventListener('message', (e) => this.onMessage(e.data));
          this.workers.push(w);
        }
      } catch (err) {
        this.fail(new NoWorkers(String(err)));
      }
    }

    fail(err) {
      this.failed = this.failed || err;
      this.stop();
      if (this.reject) this.reject(err);
    }

    stop() {
      this.workers.forEach((w) => w.terminate());
    }

    onMessage(d) {
      if (d.error) this.fail(new NoWorkers(d.error));
      else if (d.number >= 0) { this.stop(); this.resolve(d.number); }
      else if (--this.left === 0) this.fail(new Error('no number solves the challenge'));
    }

    solve(ch, signal) {
      return new Promise((resolve, reject) => {
        if (this.failed) return reject(this.failed);
        Object.assign(this, { resolve, reject, left: this.workers.length });
        signal.addEventListener('abort', () => this.fail(signal.reason), { once: true });
        const step = this.workers.length;
        this.workers.forEach((w, start) => w.postMessage({ salt: ch.salt, challenge: ch.challenge, max: ch.maxnumber, start, step, batch: BATCH }));
      });
    }
  }

  async function solveChallenge(pool, ch, signal) {
    if (!window.crypto || !crypto.subtle) throw new Error('crypto.subtle needs a secure (HTTPS) page');
    try {
      return await pool.solve(ch, signal);
    } catch (err) {
      if (!(err instanceof NoWorkers)) throw err;
      return solve(ch.salt, ch.challenge, ch.maxnumber, 0, 1, BATCH, signal); // on the page, between frames
    }
  }

  class LoadError extends Error {}

  // fetchChallenge gets and checks a challenge, with no credentials and no
  // custom header, so that the request needs no CORS preflight.
  async function fetchChallenge(url, signal) {
    if (!url) throw new Error('the challengeurl attribute is missing');
    let ch;
    try {
      const res = await fetch(new URL(url, document.baseURI), { credentials: 'omit', cache: 'no-store', signal });
      if (!res.ok) throw new Error('status ' + res.status);
      ch = await res.json();
    } catch (err) {
      throw signal.aborted ? err : new LoadError(String(err));
    }
    const ok = ch && ch.algorithm === 'SHA-256' && /^[0-9a-f]{64}$/.test(ch.challenge) &&
      Number.isSafeInteger(ch.maxnumber) && ch.maxnumber > 0 && ch.maxnumber <= MAX_NUMBER &&
      typeof ch.salt === 'string' && /^[\x21-\x7e]{1,200}$/.test(ch.salt) && typeof ch.signature === 'string';
    if (!ok) throw new Error('not an ALTCHA SHA-256 challenge');
    return ch;
  }

  // lifetime is how long the challenge stays valid, from its salt's expiry
  // when the reader's clock can be trusted with it.
  function lifetime(salt) {
    const q = salt.indexOf('?');
    const expires = Number(new URLSearchParams(q < 0 ? '' : salt.slice(q + 1)).get('expires'));
    if (!expires) return Infinity;
    const left = expires * 1000 - Date.now();
    return left > 0 ? left : 60000; // a clock that runs ahead: assume a minute
  }

  function node(tag, cls, text) {
    const el = document.createElement(tag);
    if (cls) el.className = cls;
    if (text) el.textContent = text;
    return el;
  }

  function submit(form, submitter) {
    if (form.requestSubmit) {
      form.requestSubmit(submitter && submitter.form === form ? submitter : undefined);
    } else {
      form.submit();
    }
  }

  const reduceMotion = window.matchMedia && matchMedia('(prefers-reduced-motion: reduce)');

  class AltchaWidget extends HTMLElement {
    connectedCallback() {
      if (!this.ui) this.build();
      this.form = this.closest('form');
      const auto = this.getAttribute('auto') || 'onfocus';
      if (this.form) {
        this.form.addEventListener('submit', this.onSubmit, true);
        if (auto === 'onfocus') {
          this.form.addEventListener('focusin', this.onInteract);
          this.form.addEventListener('input', this.onInteract);
        }
      }
      if (auto === 'onload' || (auto === 'onfocus' && !this.form)) this.verify().catch(() => {});
    }

    disconnectedCallback() {
      if (this.form) {
        this.form.removeEventListener('submit', this.onSubmit, true);
        this.form.removeEventListener('focusin', this.onInteract);
        this.form.removeEventListener('input', this.onInteract);
      }
      if (this.abort) this.abort.abort();
    }

    build() {
      this.texts = Object.assign({}, TEXTS, this.parseStrings());
      const box = node('span', 'altcha-drip');
      Object.assign(box.style, { display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: '0.4em', margin: '0.5em 0' });
      const spinner = node('span', 'altcha-drip-spinner');
      spinner.setAttribute('aria-hidden', 'true');
      Object.assign(spinner.style, { display: 'inline-block', width: '1em', height: '1em', boxSizing: 'border-box', textAlign: 'center', lineHeight: '1' });
      const status = node('span', 'altcha-drip-status', this.texts.idle);
      status.setAttribute('role', 'status');
      status.setAttribute('aria-live', 'polite');
      const retry = node('button', 'altcha-drip-retry', this.texts.retry);
      retry.type = 'button';
      retry.hidden = true;
      retry.addEventListener('click', this.onRetry);
      const input = node('input');
      input.type = 'hidden';
      input.name = this.getAttribute('name') || 'altcha';
      box.append(node('span', 'altcha-drip-label', this.texts.label), spinner, status, retry, input);
      this.append(box);
      this.ui = { spinner, status, retry, input };
      this.state = 'unverified';
    }

    parseStrings() {
      try {
        return JSON.parse(this.getAttribute('strings') || '{}');
      } catch (err) {
        console.warn('altcha-widget: the strings attribute is not JSON', err);
        return {};
      }
    }

    // verify solves a challenge unless a fresh solution is at hand, and
    // resolves to the payload. Calls during a solve share it.
    verify() {
      if (this.payload && !this.used && performance.now() < this.deadline) return Promise.resolve(this.payload);
      if (!this.running) this.running = this.run().finally(() => { this.running = null; });
      return this.running;
    }

    async run() {
      this.abort = new AbortController();
      const signal = this.abort.signal;
      this.payload = null;
      this.ui.input.value = '';
      this.show('verifying', this.submitter !== undefined ? 'waiting' : 'verifying');
      const pool = new Pool(this.workerCount());
      try {
        const fetched = performance.now();
        const ch = await fetchChallenge(this.getAttribute('challengeurl') || '', signal);
        const life = lifetime(ch.salt);
        const number = await solveChallenge(pool, ch, signal);
        const { algorithm, challenge, salt, signature } = ch;
        this.payload = btoa(JSON.stringify({ algorithm, challenge, number, salt, signature }));
        this.used = false;
        this.deadline = fetched + life - Math.min(30000, life / 4);
        this.ui.input.value = this.payload;
        this.show('verified', 'verified');
        return this.payload;
      } catch (err) {
        if (!signal.aborted) {
          console.error('altcha-widget:', err);
          this.show('error', err instanceof LoadError ? 'failed' : 'unsolved');
        }
        throw err;
      } finally {
        pool.stop();
      }
    }

    // workerCount leaves a core for the page and one for the thread where
    // Chromium computes every digest of the page and its workers: on two
    // cores a second worker made solving slower, not faster.
    workerCount() {
      const n = parseInt(this.getAttribute('workers'), 10);
      return n > 0 ? Math.min(n, 16) : Math.max(1, Math.min((navigator.hardwareConcurrency || 1) - 2, 4));
    }

    show(state, text) {
      this.state = state;
      const { spinner, status, retry } = this.ui;
      status.textContent = this.texts[text];
      retry.hidden = state !== 'error';
      if (this.spin) this.spin.cancel();
      this.spin = null;
      Object.assign(spinner.style, state === 'verifying'
        ? { border: '0.15em solid currentColor', borderRightColor: 'transparent', borderRadius: '50%' }
        : { border: '0', borderRadius: '0' });
      spinner.textContent = state === 'verified' ? '✓' : state === 'error' ? '!' : '';
      if (state === 'verifying' && spinner.animate && !(reduceMotion && reduceMotion.matches)) {
        this.spin = spinner.animate([{ transform: 'rotate(0turn)' }, { transform: 'rotate(1turn)' }], { duration: 900, iterations: Infinity });
      }
      this.dispatchEvent(new CustomEvent('statechange', { detail: { state, payload: this.payload } }));
    }

    onInteract = () => {
      if (this.state !== 'error' && (!this.payload || this.used)) this.verify().catch(() => {});
    };

    // onSubmit lets a submission through with a fresh solution, and holds
    // any other until one is ready, then submits again.
    onSubmit = (e) => {
      if (this.payload && !this.used && performance.now() < this.deadline) {
        this.used = true; // the server accepts it once: a second submit solves again
        return;
      }
      e.preventDefault();
      e.stopImmediatePropagation();
      this.submitter = e.submitter || this.submitter || null;
      if (this.state === 'verifying') this.show('verifying', 'waiting');
      this.finish();
    };

    onRetry = () => {
      this.finish();
    };

    finish() {
      this.verify().then(() => {
        const submitter = this.submitter;
        if (submitter === null || submitter === undefined) return;
        this.submitter = undefined;
        submit(this.form, submitter);
      }, () => {
        if (this.submitter !== undefined) this.ui.retry.focus();
      });
    }
  }

  customElements.define('altcha-widget', AltchaWidget);
})();
