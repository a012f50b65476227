#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A local stand-in for Discord's webhook endpoint, for integration tests (stdlib only).

    python3 mock_discord.py --port 0 --record FILE [--port-file PATH]
                            [--limit 5] [--window 2.0] [--tls-cert CERT --tls-key KEY] [--verbose]

Binds 127.0.0.1 only. Writes the chosen port to --port-file (atomically, via rename).

Discord's side (see shared/data/discord-webhook-facts.md):
  POST /api/webhooks/<id>/<token>[?wait=true]
      Validates the JSON shape and every limit: content 2000; 10 embeds; title 256;
      description 4096; 25 fields; field name 256 and value 1024 (non-blank); footer text 2048;
      author name 256; 6000 across all embeds; at least one of content/embeds/components/poll;
      and, stricter than Discord, allowed_mentions present with parse == [].
      Lengths count code points (Python len), as Discord's backend does.
      Invalid -> 400 {"code":50035,"message":"Invalid Form Body","errors":{...}}
      (empty -> 400 code 50006; not JSON -> 400 code 50109).
      Valid -> 204, or 200 with the message object when ?wait=true.
      Each accepted body goes to FILE as one JSON line {"received_at","webhook_id","wait","body"};
      each rejected one to FILE.rejected as {"received_at","status","error","body"|"raw"}.
      Every answer carries X-RateLimit-Limit/Remaining/Reset/Reset-After/Bucket. A bucket per
      webhook allows --limit requests per --window seconds (a window opens at the first request);
      beyond it -> 429 with Retry-After, X-RateLimit-Scope: user and
      {"message":"You are being rate limited.","retry_after":<s>,"global":false}.
      A request arriving while its bucket (or the global limit) is still limited after a 429
      counts in stats.ignored_429: a client that ignores 429 shows up there.
  GET /api/webhooks/<id>/<token>  -> the webhook object (404 10015 when gone).

Test controls (not Discord's):
  POST /admin/mode  {"mode":"ok"}                          back to normal, clears every mode
                    {"mode":"status","status":500,"count":3} the next N webhook requests get that status
                    {"mode":"slow","seconds":2}             every webhook request waits first (until "ok")
                    {"mode":"reset","count":1}              the next N webhook requests: connection
                                                            closed (RST) without an answer
                    {"mode":"global429","retry_after":1.5}  the next request gets a global 429
                    {"mode":"gone"}                         404 code 10015 Unknown Webhook (until "ok")
  POST /admin/ratelimit {"limit":5,"window":2.0}            new bucket size; buckets restart
  GET  /admin/stats -> {"requests","accepted","rejected","rate_limited","ignored_429","failed_by_mode",
                        "in_flight","taken_late"} (all integers). in_flight: webhook requests being answered
                       now (a "slow" one waits first); taken_late: messages accepted after their client
                       had gone (a client timeout or a kill -9 while Discord was slow: the duplicate case).
"""

import argparse
import hashlib
import json
import math
import os
import socket
import ssl
import struct
import sys
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

MAX_BODY = 8 * 1024 * 1024

LIMITS = {
    "content": 2000,
    "embeds": 10,
    "title": 256,
    "description": 4096,
    "fields": 25,
    "field_name": 256,
    "field_value": 1024,
    "footer": 2048,
    "author": 256,
    "total": 6000,
}


# --- validation ---------------------------------------------------------------------------


def error(code, message):
    return {"code": code, "message": message}


def put(errors, path, err):
    """Adds err at errors[path[0]][path[1]]...["_errors"], Discord's nested error shape."""
    node = errors
    for key in path:
        node = node.setdefault(str(key), {})
    node.setdefault("_errors", []).append(err)


def check_string(errors, path, value, limit, required=False):
    """Returns the length counted toward the embed total (0 when absent or invalid)."""
    if value is None:
        if required:
            put(errors, path, error("BASE_TYPE_REQUIRED", "This field is required"))
        return 0
    if not isinstance(value, str):
        put(errors, path, error("STRING_TYPE_CONVERT", "Could not interpret the value as string."))
        return 0
    if required and not value.strip():
        put(errors, path, error("BASE_TYPE_REQUIRED", "This field is required"))
    if len(value) > limit:
        put(errors, path, error("BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length."))
    return len(value)


def check_embed(errors, i, embed):
    path = ["embeds", i]
    if not isinstance(embed, dict):
        put(errors, path, error("DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType"))
        return 0
    total = check_string(errors, path + ["title"], embed.get("title"), LIMITS["title"])
    total += check_string(errors, path + ["description"], embed.get("description"), LIMITS["description"])
    color = embed.get("color")
    if color is not None and (not isinstance(color, int) or isinstance(color, bool) or not 0 <= color <= 0xFFFFFF):
        put(errors, path + ["color"], error("NUMBER_TYPE_MAX", "int value should be <= 16777215 and >= 0."))
    stamp = embed.get("timestamp")
    if stamp is not None:
        try:
            datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
        except ValueError:
            put(errors, path + ["timestamp"], error("DATE_TYPE_PARSE", "Could not parse the timestamp."))
    footer = embed.get("footer")
    if footer is not None:
        if isinstance(footer, dict):
            total += check_string(errors, path + ["footer", "text"], footer.get("text"), LIMITS["footer"], required=True)
        else:
            put(errors, path + ["footer"], error("DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType"))
    author = embed.get("author")
    if author is not None:
        if isinstance(author, dict):
            total += check_string(errors, path + ["author", "name"], author.get("name"), LIMITS["author"], required=True)
        else:
            put(errors, path + ["author"], error("DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType"))
    fields = embed.get("fields")
    if fields is not None:
        if not isinstance(fields, list):
            put(errors, path + ["fields"], error("LIST_TYPE_CONVERT", "Only iterables may be used in a ListType"))
        else:
            if len(fields) > LIMITS["fields"]:
                put(errors, path + ["fields"], error("BASE_TYPE_MAX_LENGTH", f"Must be {LIMITS['fields']} or fewer in length."))
            for j, field in enumerate(fields):
                fpath = path + ["fields", j]
                if not isinstance(field, dict):
                    put(errors, fpath, error("DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType"))
                    continue
                total += check_string(errors, fpath + ["name"], field.get("name"), LIMITS["field_name"], required=True)
                total += check_string(errors, fpath + ["value"], field.get("value"), LIMITS["field_value"], required=True)
                inline = field.get("inline")
                if inline is not None and not isinstance(inline, bool):
                    put(errors, fpath + ["inline"], error("BOOLEAN_TYPE_CONVERT", "Must be either true or false."))
    return total


def validate(body):
    """Returns (status, error body) for an invalid message, or None when Discord would accept it."""
    if not isinstance(body, dict):
        return 400, {"code": 50109, "message": "The request body contains invalid JSON."}
    errors = {}
    content = body.get("content")
    check_string(errors, ["content"], content, LIMITS["content"])
    embeds = body.get("embeds")
    if embeds is not None:
        if not isinstance(embeds, list):
            put(errors, ["embeds"], error("LIST_TYPE_CONVERT", "Only iterables may be used in a ListType"))
            embeds = []
        elif len(embeds) > LIMITS["embeds"]:
            put(errors, ["embeds"], error("BASE_TYPE_MAX_LENGTH", f"Must be {LIMITS['embeds']} or fewer in length."))
        total = sum(check_embed(errors, i, e) for i, e in enumerate(embeds))
        if total > LIMITS["total"]:
            put(errors, ["embeds"], error("MAX_EMBED_SIZE_EXCEEDED", f"Embed size exceeds maximum size of {LIMITS['total']}"))
    # Our own, stricter rule: untrusted text must never be able to ping.
    mentions = body.get("allowed_mentions")
    if not isinstance(mentions, dict) or mentions.get("parse") != []:
        put(errors, ["allowed_mentions"], error("RIGWATCH_ALLOWED_MENTIONS", 'Must be present with "parse": [].'))
    if errors:
        return 400, {"code": 50035, "message": "Invalid Form Body", "errors": errors}
    if not (content or embeds or body.get("components") or body.get("poll")):
        return 400, {"code": 50006, "message": "Cannot send an empty message"}
    return None


# --- server state --------------------------------------------------------------------------


class State:
    def __init__(self, record, limit, window):
        self.lock = threading.Lock()
        self.record = open(record, "a", encoding="utf-8")
        self.rejected = open(record + ".rejected", "a", encoding="utf-8")
        self.limit, self.window = limit, window
        self.buckets = {}  # webhook -> [window_start, used, limited_answered]
        self.global_until = 0.0
        self.stats = dict.fromkeys(["requests", "accepted", "rejected", "rate_limited", "ignored_429", "failed_by_mode",
                                    "in_flight", "taken_late"], 0)
        self.clear_modes()
        self.next_id = int(time.time() * 1000 - 1420070400000) << 22  # a Discord-like snowflake

    def clear_modes(self):
        self.status_mode = None  # (status, remaining)
        self.reset_remaining = 0
        self.slow_seconds = 0.0
        self.global_next = None  # retry_after of the next global 429
        self.gone = False

    def write(self, f, entry):
        f.write(json.dumps(entry, ensure_ascii=False) + "\n")
        f.flush()

    def rate_headers(self, webhook, now):
        """Bucket headers; call with the lock held after the bucket was updated."""
        start, used, _ = self.buckets[webhook]
        reset_after = max(0.0, start + self.window - now)
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(max(0, self.limit - used)),
            "X-RateLimit-Reset": f"{now + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": hashlib.md5(webhook.encode()).hexdigest(),
        }

    def take(self, webhook, now):
        """Counts one request against the bucket: (allowed, headers, retry_after)."""
        bucket = self.buckets.get(webhook)
        if bucket is None or now >= bucket[0] + self.window:
            bucket = self.buckets[webhook] = [now, 0, False]
        if bucket[1] >= self.limit:
            if bucket[2]:
                self.stats["ignored_429"] += 1
            bucket[2] = True
            self.stats["rate_limited"] += 1
            return False, self.rate_headers(webhook, now), max(0.001, bucket[0] + self.window - now)
        bucket[1] += 1
        return True, self.rate_headers(webhook, now), 0.0


# --- HTTP ----------------------------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as Discord; every answer has a Content-Length
    server_version = "mock-discord"
    sys_version = ""

    @property
    def state(self):
        return self.server.state

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("mock_discord: " + (fmt % args) + "\n")

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return None
        return self.rfile.read(length) if length > 0 else b""

    def answer(self, status, body=None, headers=None):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if data:
            self.wfile.write(data)

    def reset_connection(self):
        """Closes with RST and no answer, like a dropped connection."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.connection.close()

    def webhook_parts(self):
        parts = urlsplit(self.path)
        segments = parts.path.strip("/").split("/")
        if len(segments) == 4 and segments[:2] == ["api", "webhooks"] and segments[2].isdigit() and segments[3]:
            return segments[2], segments[3], parse_qs(parts.query)
        # Discord also serves versioned paths: /api/v10/webhooks/<id>/<token>
        if len(segments) == 5 and segments[0] == "api" and segments[1].startswith("v") and segments[2] == "webhooks" \
                and segments[3].isdigit() and segments[4]:
            return segments[3], segments[4], parse_qs(parts.query)
        return None

    # GET ----------------------------------------------------------------------------------

    def do_GET(self):
        if urlsplit(self.path).path == "/admin/stats":
            with self.state.lock:
                return self.answer(200, dict(self.state.stats))
        hook = self.webhook_parts()
        if hook is None:
            return self.answer(404, {"message": "404: Not Found", "code": 0})
        if self.state.gone:
            return self.answer(404, {"message": "Unknown Webhook", "code": 10015})
        webhook_id, token, _ = hook
        self.answer(200, {"id": webhook_id, "type": 1, "name": "mock", "channel_id": "1", "guild_id": "1",
                          "token": token, "application_id": None, "avatar": None})

    # POST ---------------------------------------------------------------------------------

    def do_POST(self):
        path = urlsplit(self.path).path
        raw = self.read_body()
        if raw is None:
            self.close_connection = True
            return self.answer(413, {"message": "Request entity too large", "code": 40005})
        if path.startswith("/admin/"):
            return self.admin(path[len("/admin/"):], raw)
        hook = self.webhook_parts()
        if hook is None:
            return self.answer(404, {"message": "404: Not Found", "code": 0})
        self.webhook(*hook, raw)

    def admin(self, what, raw):
        try:
            req = json.loads(raw or b"{}")
            if not isinstance(req, dict):
                raise ValueError("expected a JSON object")
            state = self.state
            with state.lock:
                if what == "mode":
                    mode = req.get("mode")
                    if mode == "ok":
                        state.clear_modes()
                    elif mode == "status":
                        state.status_mode = (int(req.get("status", 500)), int(req.get("count", 1)))
                    elif mode == "slow":
                        state.slow_seconds = float(req.get("seconds", 2))
                    elif mode == "reset":
                        state.reset_remaining = int(req.get("count", 1))
                    elif mode == "global429":
                        state.global_next = float(req.get("retry_after", 1.0))
                    elif mode == "gone":
                        state.gone = True
                    else:
                        raise ValueError(f"unknown mode {mode!r}")
                elif what == "ratelimit":
                    state.limit = int(req.get("limit", state.limit))
                    state.window = float(req.get("window", state.window))
                    state.buckets.clear()
                else:
                    return self.answer(404, {"message": f"unknown admin endpoint {what!r}"})
        except (ValueError, TypeError) as e:
            return self.answer(400, {"message": str(e)})
        self.answer(200, {"ok": True})

    def webhook(self, webhook_id, token, query, raw):
        state = self.state
        key = webhook_id + "/" + token
        now = time.time()
        with state.lock:
            state.stats["requests"] += 1
            slow = state.slow_seconds
            if state.reset_remaining > 0:
                state.reset_remaining -= 1
                state.stats["failed_by_mode"] += 1
                return self.reset_connection()
            if state.gone:
                state.stats["failed_by_mode"] += 1
                return self.answer(404, {"message": "Unknown Webhook", "code": 10015})
            if state.status_mode:
                status, left = state.status_mode
                state.status_mode = (status, left - 1) if left > 1 else None
                state.stats["failed_by_mode"] += 1
                return self.answer(status, {"message": f"mock status {status}", "code": 0})
            if now < state.global_until:
                state.stats["ignored_429"] += 1
                state.stats["rate_limited"] += 1
                return self.global_429(state.global_until - now)
            if state.global_next is not None:
                retry = state.global_next
                state.global_next = None
                state.global_until = now + retry
                state.stats["rate_limited"] += 1
                return self.global_429(retry)
            allowed, headers, retry = state.take(key, now)
        if not allowed:
            headers.update({"Retry-After": str(math.ceil(retry)), "X-RateLimit-Scope": "user"})
            return self.answer(429, {"message": "You are being rate limited.", "retry_after": round(retry, 3),
                                     "global": False}, headers)
        with state.lock:
            state.stats["in_flight"] += 1
        try:
            if slow > 0:
                time.sleep(slow)  # outside the lock: other requests go on meanwhile
            self.deliver(webhook_id, query, raw, headers)
        finally:
            with state.lock:
                state.stats["in_flight"] -= 1

    def client_gone(self):
        """The client closed its end (timed out, or was killed) before the answer: like Discord,
        the message is taken all the same."""
        try:
            return self.connection.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
        except (BlockingIOError, InterruptedError, ValueError):  # ValueError: TLS sockets take no flags
            return False
        except OSError:
            return True

    def global_429(self, retry):
        self.answer(429, {"message": "You are being rate limited.", "retry_after": round(retry, 3), "global": True},
                    {"Retry-After": str(math.ceil(retry)), "X-RateLimit-Global": "true", "X-RateLimit-Scope": "global"})

    def deliver(self, webhook_id, query, raw, headers):
        state = self.state
        received = time.time()
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        try:
            body = json.loads(raw) if content_type == "application/json" else None
            verdict = validate(body) if content_type == "application/json" else \
                (400, {"code": 50006, "message": "Cannot send an empty message"})
        except (ValueError, UnicodeDecodeError):
            body, verdict = None, (400, {"code": 50109, "message": "The request body contains invalid JSON."})
        wait = query.get("wait", ["false"])[-1].lower() == "true"
        with state.lock:
            if verdict is not None:
                state.stats["rejected"] += 1
                entry = {"received_at": received, "status": verdict[0], "error": verdict[1]}
                if body is not None:
                    entry["body"] = body
                else:
                    entry["raw"] = raw.decode("utf-8", "replace")
                state.write(state.rejected, entry)
            else:
                state.stats["accepted"] += 1
                if self.client_gone():
                    state.stats["taken_late"] += 1
                state.write(state.record, {"received_at": received, "webhook_id": webhook_id, "wait": wait, "body": body})
                state.next_id += 1
                message_id = str(state.next_id)
        if verdict is not None:
            return self.answer(verdict[0], verdict[1], headers)
        if not wait:
            return self.answer(204, None, headers)
        stamp = datetime.fromtimestamp(received, timezone.utc).isoformat()
        embeds = [dict(e, type="rich") for e in body.get("embeds") or []]
        self.answer(200, {
            "id": message_id, "type": 0, "content": body.get("content") or "", "channel_id": "1",
            "author": {"id": webhook_id, "username": body.get("username") or "rigwatch", "bot": True},
            "attachments": [], "embeds": embeds, "mentions": [], "mention_roles": [], "mention_everyone": False,
            "pinned": False, "tts": False, "timestamp": stamp, "edited_timestamp": None, "flags": 0,
            "components": [], "webhook_id": webhook_id,
        }, headers)


# --- main ----------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description="Local stand-in for Discord's webhook endpoint.")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--record", required=True, help="accepted messages, one JSON line each")
    parser.add_argument("--port-file", help="where to write the chosen port")
    parser.add_argument("--limit", type=int, default=5, help="requests per bucket window (default 5)")
    parser.add_argument("--window", type=float, default=2.0, help="bucket window in seconds (default 2.0)")
    parser.add_argument("--tls-cert", help="serve HTTPS with this certificate (PEM)")
    parser.add_argument("--tls-key", help="private key for --tls-cert (PEM)")
    parser.add_argument("--verbose", action="store_true", help="log requests to stderr")
    args = parser.parse_args()
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.state = State(args.record, args.limit, args.window)
    server.verbose = args.verbose
    if args.tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    port = server.server_address[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{port}\n")
        os.replace(tmp, args.port_file)  # readers never see a partial file
    if args.verbose:
        sys.stderr.write(f"mock_discord: listening on 127.0.0.1:{port}\n")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
