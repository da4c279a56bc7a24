#!/usr/bin/python3
"""A SimPy 3 model of a cascade scenario: the bench's peer for the virtual engine.

The same chain (loadgen -> gateway -> svc_a -> svc_b -> dbsim), written the
way a SimPy user would write it: one process per client request, per
inbound request at each tier and per query at dbsim, a simpy.Resource for
dbsim's workers, timeouts for every timer.  It reads the same scenario
file and prints the headline metrics of report/README.md and its timings.

    /usr/bin/python3 bench/simpy_model.py scenarios/incident.json [--seed N]
        [--set KEY.PATH=VALUE ...] [--scale-load K] [--hop-ms MS]

See bench/simpy_model.md for what it covers and how close it comes to the
C engines.
"""
import argparse
import gc
import json
import math
import random
import re
import sys
import time

import simpy

# ---------------------------------------------------------------- scenario

# The defaults of scenarios/README.md ("Keys"), durations as written there.
DEFAULTS = {
    "name": "default",
    "seed": 1,
    "load": {
        "arrival": "poisson",
        "rate": 10,
        "duration": "60s",
        "client_timeout": "30s",
        "client_retries": 1,
        "client_backoff": {"base": "1s", "cap": "10s", "jitter": "full"},
        "client_retry_on": ["timeout", "5xx", "connect_error"],
        "max_outstanding": 0,
        "drain": "60s",
    },
    "deadline": {"header": "grpc-timeout", "margin": "5ms"},
    "tiers": {
        t: {
            "timeout": to,
            "propagate_deadline": False,
            "propagate_cancel": False,
            "max_inflight": 0,
            "retries": 2,
            "attempt_timeout": "none",
            "retry_on": ["timeout", "5xx", "connect_error"],
            "backoff": {"base": "100ms", "cap": "1s", "jitter": "full"},
        }
        for t, to in (("gateway", "30s"), ("svc_a", "25s"), ("svc_b", "20s"))
    },
    "faults": [],
}
DEFAULTS["tiers"]["dbsim"] = {
    "workers": 10,
    "queue_limit": 1000,
    "service_time": {"dist": "lognormal", "median": "50ms", "p99": "250ms"},
    "statement_timeout": "15s",
    "honor_deadline": False,
    "honor_cancel": False,
    "check_interval": "10ms",
}

UNITS_MS = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}
DURATION = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(ns|us|ms|s|m|h)\s*$")


def ms(value, optional=False):
    """A duration string ("250ms", "1.5s", "none") in milliseconds; None: no limit."""
    if value is None or value == "none":
        if optional:
            return None
        raise SystemExit("duration %r: a limit is required here" % (value,))
    m = DURATION.match(str(value))
    if not m:
        raise SystemExit('expected a duration string like "250ms", got %r' % (value,))
    return float(m.group(1)) * UNITS_MS[m.group(2)]


def merge(base, over):
    """Objects merge key by key; anything else replaces (as the C loader)."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = merge(base.get(k), v) if k in base else v
        return out
    return over


def apply_set(sc, assignment):
    """--set KEY.PATH=VALUE: VALUE is JSON when it parses, else a string."""
    if "=" not in assignment:
        raise SystemExit("--set %s: expected KEY.PATH=VALUE" % assignment)
    path, text = assignment.split("=", 1)
    try:
        value = json.loads(text)
    except ValueError:
        value = text
    keys = path.split(".")
    node = sc
    for k in keys[:-1]:
        if isinstance(node, list):
            node = node[int(k)]
            continue
        if not isinstance(node.get(k), (dict, list)):
            node[k] = {}
        node = node[k]
    last = keys[-1]
    if isinstance(node, list):
        i = int(last)
        if i == len(node):
            node.append(value)
        else:
            node[i] = merge(node[i], value)
    else:
        if last == "service_time" and isinstance(value, dict) and "dist" in value:
            node[last] = value
        elif last == "dist" and node.get("dist") != value:
            node.clear()
            node["dist"] = value
        else:
            node[last] = merge(node.get(last), value) if last in node else value


class Retry:
    """A retry policy: how many extra attempts, on what, and the backoff."""

    def __init__(self, retries, retry_on, backoff):
        self.retries = int(retries)
        self.on = set(retry_on)
        self.base = ms(backoff["base"])
        self.cap = ms(backoff["cap"])
        self.jitter = backoff.get("jitter", "full")

    def allowed(self, cls):
        return cls in self.on

    def backoff(self, n, prev, rng):
        """The sleep before retry n (0 = the first), as lib/retry.c."""
        t = min(self.cap, self.base * 2.0 ** n)
        j = self.jitter
        if j == "full":
            return rng.uniform(0, t)
        if j == "equal":
            return t / 2 + rng.uniform(0, t / 2)
        if j == "decorrelated":
            p = prev if prev > 0 else self.base
            return min(self.cap, rng.uniform(self.base, p * 3))
        return t


def load_scenario(path, sets, scale_load):
    with open(path) as f:
        sc = merge(DEFAULTS, json.load(f))
    for s in sets:
        apply_set(sc, s)
    if scale_load != 1:
        sc["load"]["rate"] = float(sc["load"]["rate"]) * scale_load
    return sc


# ---------------------------------------------------------------- the model

# An attempt that ended without an HTTP status.
TIMEOUT, CANCELLED = -1, -2


def retry_class(status):
    if status == TIMEOUT:
        return "timeout"
    if status == CANCELLED or status <= 0:
        return "connect_error"
    if 500 <= status < 600:
        return "5xx"
    return None


class Conn:
    """One attempt's connection from a caller to the tier below.

    `answer` is the caller's side: it is triggered once, by the callee's
    reply, or by the caller's own timeout (TIMEOUT).  `done` says the
    caller no longer listens; a reply after that is dropped.  `on_gone` is
    the callee's: called when the caller closes the connection (a timeout
    or a cancellation), only set by callees that act on it."""

    __slots__ = ("sim", "answer", "done", "budget", "on_gone")

    def __init__(self, sim, budget=None):
        self.sim = sim
        self.answer = sim.env.event()
        self.done = False
        self.budget = budget  # ms, what the deadline header carries; None: no header
        self.on_gone = None

    def send(self, callee):
        """The request travels down to the callee."""
        if self.sim.hop > 0:
            self.sim.env.timeout(self.sim.hop).callbacks.append(lambda _ev: callee.arrive(self))
        else:
            callee.arrive(self)

    def reply(self, status):
        """The callee answers."""
        if self.sim.hop > 0:
            self.sim.env.timeout(self.sim.hop, status).callbacks.append(self._deliver)
        elif not self.done:
            self.done = True
            self.answer.succeed(status)

    def _deliver(self, ev):
        if not self.done:
            self.done = True
            self.answer.succeed(ev.value)

    def expire(self, _ev=None):
        """The caller's timeout for this attempt."""
        if not self.done:
            self.done = True
            self.answer.succeed(TIMEOUT)
            self.close()

    def abort(self):
        """The caller gives up on the attempt (cancellation)."""
        if not self.done:
            self.done = True
            self.close()

    def close(self):
        cb = self.on_gone
        if cb is not None:
            if self.sim.hop > 0:
                self.sim.env.timeout(self.sim.hop).callbacks.append(lambda _ev: cb())
            else:
                cb()


class Sim:
    """The chain, its clock and the run's course."""

    def __init__(self, sc, seed, hop_ms):
        self.env = simpy.Environment()
        self.sc = sc
        self.seed = seed
        self.hop = hop_ms
        self.live = 0  # tier requests and queries not yet over
        self.draining = False  # the client is done; the chain runs on until idle or the drain
        self.stopped = False
        self.stop = self.env.event()
        self.faults = [
            (ms(f["start"]), ms(f["end"]) if "end" in f else ms(f["start"]) + ms(f["duration"]), f)
            for f in sc.get("faults", [])
        ]
        for _s, _e, f in self.faults:
            if f["tier"] != "dbsim" or f["kind"] not in ("slowdown", "latency"):
                raise SystemExit("fault %s on %s: not modelled (only dbsim slowdown and latency)"
                                 % (f["kind"], f["tier"]))
        self.margin = ms(sc["deadline"]["margin"])
        self.db = Db(self, sc["tiers"]["dbsim"])
        below = self.db
        for name in ("svc_b", "svc_a", "gateway"):
            below = Tier(self, name, sc["tiers"][name], below)
        self.gateway = below
        self.client = Client(self, sc["load"], self.gateway)

    def rng(self, purpose):
        # One stream per purpose: the arrivals of a seed are the same
        # whatever else the scenario changes.
        return random.Random("%d/%s" % (self.seed, purpose))

    def over(self):
        """A tier request or query is over: the chain may be idle."""
        self.live -= 1
        if self.live == 0 and self.draining:
            self.halt()

    def client_done(self):
        self.draining = True
        self.env.timeout(ms(self.sc["load"]["drain"])).callbacks.append(lambda _ev: self.halt())
        if self.live == 0:
            self.halt()

    def halt(self):
        """Stop everything: what still runs is cut (no more arrivals count)."""
        if not self.stopped:
            self.stopped = True
            self.stop.succeed()

    def run(self, keep_gc=False):
        self.client.start()
        # Everything here is freed by reference counting; the cycle
        # collector finds next to nothing but walks every live process,
        # event and generator over and over: with it on, a run takes about
        # three times as long.
        if not keep_gc:
            gc.disable()
        started, cpu_started = time.perf_counter(), time.process_time()
        self.env.run(until=self.stop)
        sim_s = time.perf_counter() - started
        cpu_s = time.process_time() - cpu_started
        gc.enable()
        # Events scheduled, less those still waiting when the run stopped.
        events = next(self.env._eid) - len(self.env._queue)
        return sim_s, cpu_s, events


def wire_budget(budget_ms):
    """The budget as the grpc-timeout header carries it: rounded down to
    nanoseconds up to 99999999n, to microseconds up to 99999999u, ..."""
    ns = budget_ms * 1e6
    if not ns > 0:
        return 0.0
    for unit_ns in (1, 1e3, 1e6, 1e9, 60e9, 3600e9):
        v = math.floor(ns / unit_ns)
        if v <= 99999999:
            return v * unit_ns / 1e6
    return 99999999 * 3600e9 / 1e6


class TierReq:
    __slots__ = ("conn", "proc", "waiting", "sub", "finished", "started", "gone")

    def __init__(self, conn):
        self.conn = conn
        self.proc = None
        self.waiting = True  # the caller waits for an answer
        self.sub = None  # the attempt in flight
        self.finished = False
        self.started = False
        self.gone = False


class Tier:
    """gateway, svc_a, svc_b: core/tier_core.c's decisions."""

    def __init__(self, sim, name, cfg, below):
        self.sim, self.env, self.name, self.below = sim, sim.env, name, below
        self.timeout = ms(cfg["timeout"], optional=True)
        self.attempt_timeout = ms(cfg["attempt_timeout"], optional=True)
        self.propagate_deadline = cfg["propagate_deadline"]
        self.cancels = cfg["propagate_cancel"]
        self.max_inflight = int(cfg["max_inflight"])
        self.policy = Retry(cfg["retries"], cfg["retry_on"], cfg["backoff"])
        self.rng = sim.rng("backoff/" + name)
        self.live = 0
        self.arrivals = 0

    def arrive(self, conn):
        sim = self.sim
        if sim.stopped:
            return
        self.arrivals += 1
        sim.live += 1
        self.live += 1
        req = TierReq(conn)
        if self.cancels:
            conn.on_gone = lambda: self.caller_gone(req)
        req.proc = self.env.process(self.handle(req))

    def answer(self, req, status):
        if req.waiting:
            req.waiting = False
            req.conn.reply(status)

    def caller_gone(self, req):
        # Only tiers that propagate cancellation listen (see arrive).
        if not req.waiting or req.finished:
            return
        req.waiting = False
        req.gone = True
        if req.started:
            req.proc.interrupt("caller gone")

    def end(self, req):
        req.finished = True
        self.live -= 1
        self.sim.over()

    def handle(self, req):
        # Not with try/finally: a generator closed by the garbage collector
        # (a process that could never resume) must not count as over.
        req.started = True
        try:
            if not req.gone:
                yield from self.serve(req)
        except simpy.Interrupt:
            # Cancelled (deadline or caller gone, with propagate_cancel):
            # the attempt in flight is aborted, its connection closes.
            if req.sub is not None:
                req.sub.abort()
                req.sub = None
        self.end(req)

    def serve(self, req):
        env = self.env
        arrival = env.now
        conn = req.conn
        # The effective deadline: the own timeout, or the received
        # budget when it is honoured and earlier.
        deadline = math.inf
        if self.timeout is not None:
            deadline = arrival + self.timeout
        if self.propagate_deadline and conn.budget is not None:
            deadline = min(deadline, arrival + conn.budget)
        bounded = deadline < math.inf and (self.propagate_deadline or self.cancels)
        if self.max_inflight > 0 and self.live > self.max_inflight:
            self.answer(req, 503)
            return
        if deadline <= arrival:
            self.answer(req, 504)
            return
        if deadline < math.inf:
            # Armed before the first attempt's timeout: at the same
            # instant the tier's own timeout fires first.
            env.timeout(deadline - arrival).callbacks.append(lambda _ev: self.on_deadline(req))
        attempts = 0
        prev_sleep = 0.0
        while True:
            now = env.now
            budget = None
            if self.propagate_deadline and deadline < math.inf:
                budget = max(deadline - now - self.sim.margin, 0.0)
                if budget <= 0:
                    self.answer(req, 504)  # no budget left for the attempt
                    return
                budget = wire_budget(budget)
            per = self.attempt_timeout
            if per is None:
                per = self.timeout if self.timeout is not None else (
                    max(conn.budget, 0.0) if self.propagate_deadline and conn.budget is not None else None)
            if bounded:
                per = deadline - now if per is None else min(per, deadline - now)
                if per <= 0:
                    self.answer(req, 504)  # the deadline passed before the attempt
                    return
            attempts += 1
            sub = Conn(self.sim, budget)
            req.sub = sub
            sub.send(self.below)
            if per is not None and per > 0:
                env.timeout(per).callbacks.append(sub.expire)
            status = yield sub.answer
            req.sub = None
            if 200 <= status < 300:
                self.answer(req, status)
                return
            cls = retry_class(status)
            if (attempts > self.policy.retries or not self.policy.allowed(cls)
                    or (self.cancels and not req.waiting)):
                break
            prev_sleep = self.policy.backoff(attempts - 1, prev_sleep, self.rng)
            if bounded and env.now + prev_sleep >= deadline:
                break
            yield env.timeout(prev_sleep)
        # No more attempts: answer with what the last one gave.
        if status == TIMEOUT:
            self.answer(req, 504)
        elif status > 0:
            self.answer(req, status)
        else:
            self.answer(req, 502)

    def on_deadline(self, req):
        if req.finished:
            return
        self.answer(req, 504)
        if self.cancels and req.proc.is_alive:
            req.proc.interrupt("deadline")


class Db:
    """dbsim: core/db_core.c's decisions."""

    def __init__(self, sim, cfg):
        self.sim, self.env = sim, sim.env
        self.workers = simpy.Resource(sim.env, capacity=int(cfg["workers"]))
        self.queue_limit = int(cfg["queue_limit"])
        self.statement_timeout = ms(cfg["statement_timeout"], optional=True)
        self.honor_deadline = cfg["honor_deadline"]
        self.honor_cancel = cfg["honor_cancel"]
        self.check = ms(cfg["check_interval"])
        self.rng = sim.rng("service")
        st = cfg["service_time"]
        d = st["dist"]
        rng = self.rng
        if d == "fixed":
            v = ms(st["value"])
            self.draw = lambda: v
        elif d == "uniform":
            lo, hi = ms(st["min"]), ms(st["max"])
            self.draw = lambda: rng.uniform(lo, hi)
        elif d == "exponential":
            lam = 1.0 / ms(st["mean"])
            self.draw = lambda: rng.expovariate(lam)
        elif d == "lognormal":
            median, p99 = ms(st["median"]), ms(st["p99"])
            if p99 > median:
                mu, sigma = math.log(median), math.log(p99 / median) / 2.3263478740408408
                self.draw = lambda: rng.lognormvariate(mu, sigma)
            else:
                self.draw = lambda: median
        else:
            raise SystemExit("service_time.dist %r: unknown" % d)
        self.faults = sim.faults
        self.hits = 0

    def fault_effect(self, now):
        slow, lat = 1.0, 0.0
        for s, e, f in self.faults:
            if s <= now < e:
                if f["kind"] == "slowdown":
                    slow *= float(f["factor"])
                else:
                    lat += ms(f["latency"])
        return slow, lat

    def arrive(self, conn):
        sim = self.sim
        if sim.stopped:
            return
        self.hits += 1
        now = self.env.now
        deadline = math.inf
        if self.honor_deadline and conn.budget is not None:
            deadline = now + conn.budget
            if deadline <= now:
                conn.reply(504)  # expired on arrival
                return
        w = self.workers
        if (len(w.users) >= w.capacity or w.queue) and len(w.queue) >= self.queue_limit:
            conn.reply(503)  # queue full
            return
        sim.live += 1
        q = Query(conn, deadline)
        if self.honor_cancel:
            conn.on_gone = lambda: self.caller_gone(q)
        q.proc = self.env.process(self.query(q))

    def caller_gone(self, q):
        # Only with honor_cancel: the query leaves the queue or frees its worker.
        if q.finished:
            return
        q.gone = True
        if q.started:
            q.proc.interrupt("caller gone")

    def query(self, q):
        q.started = True
        try:
            if not q.gone:
                yield from self.serve(q)
        except simpy.Interrupt as why:
            if why.cause == "deadline":
                q.conn.reply(504)  # its deadline passed while it queued
            # caller gone: nobody to answer; the slot is free again
        q.finished = True
        self.sim.over()

    def serve(self, q):
        env = self.env
        conn, deadline = q.conn, q.deadline
        with self.workers.request() as req:
            if deadline < math.inf and not req.triggered:
                # With honor_deadline a queued query leaves at its deadline.
                env.timeout(deadline - env.now).callbacks.append(
                    lambda _ev: not req.triggered and q.proc.is_alive and q.proc.interrupt("deadline"))
            yield req
            now = env.now
            if deadline <= now:
                conn.reply(504)  # its deadline passed while it queued
                return
            slow, lat = self.fault_effect(now)
            service = self.draw() * slow + lat
            end, status = now + service, 200
            st = self.statement_timeout
            if st is not None and st > 0 and now + st < end:
                end, status = now + st, 500  # canceling statement due to statement timeout
            if deadline < math.inf:
                # A running query looks at its deadline every check_interval.
                k = max(math.ceil((deadline - now) / self.check), 0)
                if now + k * self.check < end:
                    end, status = now + k * self.check, 504
            yield env.timeout(end - now)
            conn.reply(status)


class Query:
    __slots__ = ("conn", "deadline", "proc", "started", "gone", "finished")

    def __init__(self, conn, deadline):
        self.conn, self.deadline = conn, deadline
        self.proc = None
        self.started = self.gone = self.finished = False


class Client:
    """loadgen: core/client_core.c and core/schedule.c."""

    def __init__(self, sim, cfg, gateway):
        self.sim, self.env, self.gateway = sim, sim.env, gateway
        self.rate = float(cfg["rate"])
        self.constant = cfg["arrival"] == "constant"
        self.duration = ms(cfg["duration"])
        self.timeout = ms(cfg["client_timeout"])
        self.max_outstanding = int(cfg["max_outstanding"])
        self.drain = ms(cfg["drain"])
        self.policy = Retry(cfg["client_retries"], cfg["client_retry_on"], cfg["client_backoff"])
        self.rng_arrivals = sim.rng("arrivals")
        self.rng_backoff = sim.rng("backoff/client")
        self.requests = []  # [intended_ms of attempt 1, last outcome, last end_ms]
        self.attempts = 0
        self.in_flight = 0
        self.retries_pending = 0
        self.live = {}  # request -> its attempt in flight (a Conn), or None while a retry waits
        self.sending_done = False
        self.over = False

    def start(self):
        self.env.process(self.arrivals())

    def arrivals(self):
        env = self.env
        gap = 1000.0 / self.rate if self.rate > 0 else 0
        rng = self.rng_arrivals
        t, index = 0.0, 0
        while self.rate > 0 and self.duration > 0:
            if self.constant:
                t = index * 1000.0 / self.rate
            else:
                t = t + rng.expovariate(1.0 / gap)
            if not t < self.duration:
                break
            index += 1
            if t > env.now:
                yield env.timeout(t - env.now)
            self.begin(t)
        # After the last arrival: answers are awaited for at most the drain.
        self.sending_done = True
        env.timeout(self.drain).callbacks.append(lambda _ev: self.finish())
        self.maybe_finish()

    def begin(self, intended):
        """A new client request: its first attempt leaves at once (not when
        its process first runs, which would be after this instant's other
        events, and could let the client think it has nothing outstanding)."""
        rec = [intended, None, None]  # attempt 1's intended ms, last outcome, last end ms
        self.requests.append(rec)
        conn = self.send(rec)
        if conn is not None:
            self.env.process(self.request(rec, conn))

    def send(self, rec):
        """Send an attempt of rec; None when the max_outstanding cap bit."""
        if self.max_outstanding > 0 and self.in_flight >= self.max_outstanding:
            rec[1], rec[2] = "not_sent", None  # this attempt is never sent: the request ends
            self.live.pop(id(rec), None)
            return None
        conn = Conn(self.sim)
        self.live[id(rec)] = (rec, conn)
        self.in_flight += 1
        self.attempts += 1
        conn.send(self.gateway)
        self.env.timeout(self.timeout).callbacks.append(conn.expire)
        return conn

    def request(self, rec, conn):
        env = self.env
        attempt, prev_sleep = 1, 0.0
        while conn is not None:
            status = yield conn.answer
            if self.over:
                return  # cut by the end of the run (recorded there)
            self.in_flight -= 1
            rec[1] = "ok" if 200 <= status < 300 else (
                "timeout" if status == TIMEOUT else "http_error" if status > 0 else "conn_error")
            rec[2] = env.now
            if (rec[1] == "ok" or attempt > self.policy.retries
                    or not self.policy.allowed(retry_class(status))):
                del self.live[id(rec)]
                break
            prev_sleep = self.policy.backoff(attempt - 1, prev_sleep, self.rng_backoff)
            self.live[id(rec)] = (rec, None)
            self.retries_pending += 1
            self.maybe_finish()
            yield env.timeout(prev_sleep)
            if self.over:
                return  # the retry was dropped at the end of the run
            self.retries_pending -= 1
            attempt += 1
            conn = self.send(rec)
        self.maybe_finish()

    def maybe_finish(self):
        if self.sending_done and not self.over and self.in_flight == 0 and self.retries_pending == 0:
            self.finish()

    def finish(self):
        """The client is done: attempts in flight are cancelled, waiting
        retries dropped; the chain runs on (Sim.client_done)."""
        if self.over:
            return
        self.over = True
        for rec, conn in self.live.values():
            if conn is not None:
                rec[1], rec[2] = "cancelled", None
                conn.abort()
        self.live.clear()
        self.sim.client_done()


# ---------------------------------------------------------------- metrics

def percentile(sorted_values, p):
    """Nearest rank, as report/summary.c."""
    n = len(sorted_values)
    if n == 0:
        return math.nan
    rank = math.ceil(p * n / 100.0)
    i = 0 if rank < 1 else rank - 1
    return sorted_values[min(i, n - 1)]


def recovery_s(sim, requests):
    """report/README.md: the first whole second s >= the last fault's end
    from which 5 seconds in a row each have >= 1 request and a success ratio
    >= 0.9 x the pre-fault level; requests bucketed by attempt 1's intended
    second."""
    if not sim.faults or not requests:
        return math.nan
    first_start = min(s for s, _e, _f in sim.faults)
    fault_end = max(e for _s, e, _f in sim.faults)

    def second(t):
        return int(math.floor(t / 1000.0)) if t > 0 else 0

    nsec = max(second(r[0]) for r in requests) + 1
    total, ok = [0] * nsec, [0] * nsec
    pre_total = pre_ok = 0
    for intended, outcome, _end in requests:
        good = outcome == "ok"
        total[second(intended)] += 1
        ok[second(intended)] += good
        if 0 <= intended < first_start:
            pre_total += 1
            pre_ok += good
    if pre_total == 0:
        return math.nan
    need = 0.9 * pre_ok / pre_total - 1e-9
    s = max(int(math.ceil(fault_end / 1000.0)), 0)
    while s + 5 <= nsec:
        if all(total[s + k] and ok[s + k] / total[s + k] >= need for k in range(5)):
            return s - fault_end / 1000.0
        s += 1
    return math.nan


def report(sim, sim_s, cpu_s, events):
    c = sim.client
    reqs = c.requests
    n = len(reqs)
    ok = sum(1 for r in reqs if r[1] == "ok")
    lat = sorted(r[2] - r[0] for r in reqs
                 if r[1] in ("ok", "http_error", "timeout", "conn_error") and r[2] is not None)
    rec = recovery_s(sim, reqs)

    def fmt(v, d):
        return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else "%.*f" % (d, v)

    ratio = (lambda x: x / n if n else math.nan)
    tiers = {}
    t = sim.gateway
    while isinstance(t, Tier):
        tiers[t.name] = t.arrivals
        t = t.below
    lines = [
        ("client_requests", str(n)),
        ("client_attempts", str(c.attempts)),
        ("client_success_ratio", fmt(ratio(ok), 4)),
        ("latency_p50_ms", fmt(percentile(lat, 50), 1)),
        ("latency_p99_ms", fmt(percentile(lat, 99), 1)),
        ("amplification_gateway", fmt(ratio(tiers["gateway"]), 3)),
        ("amplification_svc_a", fmt(ratio(tiers["svc_a"]), 3)),
        ("amplification_svc_b", fmt(ratio(tiers["svc_b"]), 3)),
        ("db_hits", str(sim.db.hits)),
        ("db_hits_per_request", fmt(ratio(sim.db.hits), 3)),
        ("recovery_s", fmt(rec, 3)),
        ("end_s", fmt(sim.env.now / 1000.0, 3)),
        ("events", str(events)),
        ("sim_s", fmt(sim_s, 3)),
        ("cpu_s", fmt(cpu_s, 3)),
        ("events_per_s", fmt(events / sim_s if sim_s > 0 else math.nan, 0)),
    ]
    width = max(len(k) for k, _v in lines)
    for k, v in lines:
        print("%-*s %s" % (width, k, v))


def main(argv):
    ap = argparse.ArgumentParser(
        description="SimPy model of a cascade scenario (the bench's peer of build/bin/virtual).")
    ap.add_argument("scenario", help="scenario JSON (scenarios/README.md)")
    ap.add_argument("--seed", type=int, help="seed (default: the scenario's)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY.PATH=VALUE",
                    help="override a scenario value, as build/bin/virtual --set (repeatable)")
    ap.add_argument("--scale-load", type=float, default=1.0, metavar="K",
                    help="multiply load.rate by K")
    ap.add_argument("--hop-ms", type=float, default=0.0, metavar="MS",
                    help="one-way network delay per message, fixed (default 0; the C engine's is ~0.04)")
    ap.add_argument("--keep-gc", action="store_true",
                    help="leave Python's cycle collector on during the run (about 3x slower)")
    a = ap.parse_args(argv)
    sc = load_scenario(a.scenario, a.set, a.scale_load)
    seed = a.seed if a.seed is not None else int(sc.get("seed", 1))
    sim = Sim(sc, seed, a.hop_ms)
    sim_s, cpu_s, events = sim.run(a.keep_gc)
    report(sim, sim_s, cpu_s, events)


if __name__ == "__main__":
    main(sys.argv[1:])
