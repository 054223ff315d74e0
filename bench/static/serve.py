"""Serves the built benchmark harness (dist/bench) cross-origin isolated, as Vite does, and collects
what bench/harness/autorun.ts POSTs: one JSON line per result in --out, echoed to stdout. Exits when
the page POSTs /bench-done. Standard library only, so it runs wherever python3 does.

    python3 bench/static/serve.py --root dist/bench --port 5198 --out results.jsonl
"""
import argparse
import functools
import http.server
import json
import sys
import threading


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".wasm": "application/wasm",
    }

    def __init__(self, *args, out, done, **kwargs):
        self.out = out
        self.done = done
        super().__init__(*args, **kwargs)

    def end_headers(self):
        # The WASM backend needs SharedArrayBuffer for its threads.
        self.send_header("Cross-Origin-Opener-Policy", "same-origin")
        self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        if self.path == "/bench-result":
            line = json.dumps(json.loads(body))
            with open(self.out, "a") as f:
                f.write(line + "\n")
            print(line, flush=True)
        elif self.path == "/bench-done":
            self.done.set()
        self.send_response(204)
        self.end_headers()

    def log_message(self, format, *args):
        pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True)
    parser.add_argument("--port", type=int, default=5198)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    done = threading.Event()
    handler = functools.partial(Handler, directory=args.root, out=args.out, done=done)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"serving {args.root} on http://127.0.0.1:{args.port}", file=sys.stderr, flush=True)
    done.wait()
    server.shutdown()


if __name__ == "__main__":
    main()
