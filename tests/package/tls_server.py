#!/usr/bin/env python3
"""A tiny HTTPS server for the package test.

Serves GET on any path with 200 and the body `linktome-tls-ok`, using a certificate issued by the
test CA the package test makes with openssl. Binds 127.0.0.1 on a free port and prints
`port=<n>` on stdout once it listens, then serves until killed.

usage: tls_server.py CERT_PEM KEY_PEM
"""
import http.server
import ssl
import sys

BODY = b"linktome-tls-ok\n"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, format, *args):
        sys.stderr.write("tls_server: %s\n" % (format % args))


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[1], sys.argv[2])
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    print("port=%d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
