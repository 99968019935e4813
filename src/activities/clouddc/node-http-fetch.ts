import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';

/** Statuses whose answer carries no body (a `Response` refuses one). */
const NO_BODY = new Set([101, 204, 205, 304]);

/**
 * `fetch` over node:http, for answers with large bodies (archive downloads). undici, which is
 * Node's `fetch` and also the `undici` package's `fetch` and `request`, sometimes slows to a crawl
 * on a large body read through a stream pipeline: it re-concatenates its socket buffer on every
 * read. Measured on the simulator's 200 MiB archive, about one run in three took 170–270 s instead
 * of 7 s, and held 300 MB–1.3 GB (nodejs/undici#2014). node:http read the same body in 6–7 s with
 * about 110 MB, eight runs in eight. No maintained client library reads bodies through node:http
 * while taking the WHATWG `Request` our signing works on, so this adapter is hand-written. Redirects
 * are never followed (node:http does not).
 */
export async function nodeHttpFetch(input: Request | string | URL, init?: RequestInit): Promise<Response> {
  const request = input instanceof Request ? input : new Request(input, init);
  const url = new URL(request.url);
  const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const outgoing = transport.request(
      url,
      { method: request.method, headers: Object.fromEntries(request.headers), signal: request.signal },
      (incoming) => {
        const headers = new Headers();
        for (const [name, value] of Object.entries(incoming.headers)) {
          for (const one of Array.isArray(value) ? value : [value ?? '']) headers.append(name, one);
        }
        const status = incoming.statusCode ?? 0;
        const empty = NO_BODY.has(status) || request.method === 'HEAD';
        if (empty) incoming.resume();
        resolve(
          new Response(empty ? null : (Readable.toWeb(incoming) as ReadableStream<Uint8Array>), {
            status,
            statusText: incoming.statusMessage ?? '',
            headers,
          }),
        );
      },
    );
    outgoing.once('error', reject);
    outgoing.end(body);
  });
}
