#!/usr/bin/env bash
# sweep_ssh.sh: cascade sweep spread over two "machines" by GNU parallel:
# this one (':') and an ssh login to a throwaway sshd that this test starts
# on 127.0.0.1, on a free port, with its own host and client keys.  The
# remote side runs in its own working folder; its summaries can reach the
# sweep folder only through parallel's --return.  Checks that both sides
# ran runs, that every point and seed came back exactly once, that the
# remote runs ran in the remote folder without the local settings, and
# stops the daemon it started (by its PID).
# Needs CASCADE_BIN (make integration sets it), GNU parallel, rsync, and
# sshd (openssh-server: scripts/install-deps.sh); without sshd it is
# skipped with a message, except under CI, where it fails.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${CASCADE_BIN:?CASCADE_BIN must name the bin folder (make integration sets it)}
export CASCADE_BIN=$bin
fail() { echo "sweep_ssh.sh: FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

sshd=/usr/sbin/sshd
if [ ! -x "$sshd" ]; then
	[ "${CI:-}" != true ] || fail "sshd is not installed (scripts/install-deps.sh installs openssh-server)"
	echo "sweep_ssh.sh: SKIP: sshd is not installed (scripts/install-deps.sh installs openssh-server)"
	exit 0
fi
for p in parallel rsync ssh ssh-keygen; do
	command -v "$p" >/dev/null || fail "$p is not installed (scripts/install-deps.sh)"
done

tmp=$(mktemp -d /tmp/cascade-sweep-ssh-XXXXXX)
sshd_pid="" made_run_dir=0
cleanup() {
	if [ -n "$sshd_pid" ]; then
		kill "$sshd_pid" 2>/dev/null || true
		wait "$sshd_pid" 2>/dev/null || true
	fi
	[ $made_run_dir = 0 ] || rmdir /run/sshd 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

# ---- the daemon ---------------------------------------------------------------
ssh-keygen -q -t ed25519 -N '' -C cascade-test-host -f "$tmp/host_key"
ssh-keygen -q -t ed25519 -N '' -C cascade-test-client -f "$tmp/client_key"
cp "$tmp/client_key.pub" "$tmp/authorized_keys"
chmod 600 "$tmp/authorized_keys"
# sshd running as root wants its privilege separation folder
if [ "$(id -u)" = 0 ] && [ ! -d /run/sshd ]; then mkdir -p /run/sshd && chmod 755 /run/sshd && made_run_dir=1; fi

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for try in 1 2 3 4 5 6 7 8; do
	port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
	port_free "$port" || continue
	cat >"$tmp/sshd_config" <<EOF
Port $port
ListenAddress 127.0.0.1
HostKey $tmp/host_key
AuthorizedKeysFile $tmp/authorized_keys
PidFile $tmp/sshd.pid
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
AllowUsers $(id -un)
EOF
	"$sshd" -D -e -f "$tmp/sshd_config" >"$tmp/sshd.log" 2>&1 &
	sshd_pid=$!
	for _ in $(seq 50); do
		grep -q 'Server listening' "$tmp/sshd.log" && break
		kill -0 "$sshd_pid" 2>/dev/null || break
		sleep 0.1
	done
	grep -q 'Server listening' "$tmp/sshd.log" && break
	# lost the port to someone else, or sshd would not start: say why, try again
	kill "$sshd_pid" 2>/dev/null || true
	wait "$sshd_pid" 2>/dev/null || true
	sshd_pid=""
	echo "sweep_ssh.sh: sshd on port $port (try $try): $(tail -n 2 "$tmp/sshd.log")" >&2
done
[ -n "$sshd_pid" ] || fail "could not start sshd (log: above)"
cat >"$tmp/ssh_config" <<EOF
Host cascade-sweep-test
  HostName 127.0.0.1
  Port $port
  User $(id -un)
  IdentityFile $tmp/client_key
  IdentitiesOnly yes
  BatchMode yes
  StrictHostKeyChecking no
  UserKnownHostsFile /dev/null
  LogLevel ERROR
EOF
login="ssh -F $tmp/ssh_config cascade-sweep-test"
[ "$($login echo reached)" = reached ] || fail "cannot log in through the test sshd ($(tail -n 3 "$tmp/sshd.log"))"
ok "sshd (PID $sshd_pid) on 127.0.0.1:$port, a throwaway key"

# ---- the sweep -------------------------------------------------------------------
# The remote cascade: this checkout's, by absolute path (this machine is the
# remote one too), noting where it runs and whether it sees the local
# settings; it must not.
cat >"$tmp/remote-cascade" <<EOF
#!/bin/sh
echo "\$PWD \${CASCADE_SWEEP_DIR:-unset} \$*" >>$tmp/remote.log
CASCADE_BIN=$bin exec $root/cascade/cascade "\$@"
EOF
chmod +x "$tmp/remote-cascade"
printf '%s\n' '# this machine, and the ssh login' ':' "$login" >"$tmp/hosts"
cat >"$tmp/small.json" <<'EOF'
{
  "name": "small",
  "load": {"arrival": "poisson", "rate": 20, "duration": "10s", "client_timeout": "2s", "drain": "5s"},
  "tiers": {"dbsim": {"workers": 4, "service_time": {"dist": "fixed", "value": "100ms"}}},
  "faults": [{"tier": "dbsim", "kind": "slowdown", "start": "3s", "end": "5s", "factor": 10}]
}
EOF
"$root/cascade/cascade" sweep "$tmp/small.json" --vary load.rate=10,20,30 --vary tiers.svc_b.retries=0,1 --seeds 2 \
	--hosts "$tmp/hosts" --workdir "$tmp/remote-wd" --remote-cascade "$tmp/remote-cascade" -j 2 --no-plots -o "$tmp/local" \
	>"$tmp/sweep.out" 2>&1 || { cat "$tmp/sweep.out" >&2; fail "the sweep over ssh failed"; }

# every point and seed exactly once in sweep.csv, and once in the joblog
rows=$(tail -n +2 "$tmp/local/sweep.csv" | cut -d, -f1-3 | sort)
[ "$(wc -l <<<"$rows")" = 12 ] || fail "$(wc -l <<<"$rows") rows, expected 12"
[ -z "$(uniq -d <<<"$rows")" ] || fail "rows twice: $(uniq -d <<<"$rows")"
[ "$(wc -l <<<"$(sort -u <<<"$rows")")" = 12 ] || fail "not 12 distinct point and seed rows"
ids=$(awk -F'\t' 'NR > 1 && match($NF, /p[0-9]+-s[0-9]+/) { print substr($NF, RSTART, RLENGTH) }' "$tmp/local/joblog" | sort)
if [ "$(wc -l <<<"$ids")" != 12 ] || [ -n "$(uniq -d <<<"$ids")" ]; then fail "the joblog does not hold each run once: $ids"; fi
awk -F'\t' 'NR > 1 && $7 != 0 { exit 1 }' "$tmp/local/joblog" || fail "a run failed (joblog)"
ok "12 runs, each point and seed exactly once"

# both sides ran runs; the remote ones in the remote folder, without the local settings
remote_ids=$(awk -F'\t' -v l="$login" 'NR > 1 && $2 == l && match($NF, /p[0-9]+-s[0-9]+/) { print substr($NF, RSTART, RLENGTH) }' \
	"$tmp/local/joblog")
local_n=$(awk -F'\t' 'NR > 1 && $2 == ":" { n++ } END { print n + 0 }' "$tmp/local/joblog")
[ -n "$remote_ids" ] || fail "no run went through ssh"
[ "$local_n" -gt 0 ] || fail "no run on the local slot"
ok "$(wc -l <<<"$remote_ids") runs through ssh, $local_n on this machine"
[ "$(wc -l <"$tmp/remote.log")" = "$(wc -l <<<"$remote_ids")" ] || fail "the remote cascade ran $(wc -l <"$tmp/remote.log") times, expected $(wc -l <<<"$remote_ids")"
while read -r wd seen _; do
	[ "$wd" = "$tmp/remote-wd" ] || fail "a remote run ran in $wd, not the remote working folder"
	[ "$seen" = unset ] || fail "a remote run saw the local sweep folder ($seen)"
done <"$tmp/remote.log"
for id in $remote_ids; do
	[ -s "$tmp/local/points/$id.csv" ] || fail "$id ran remotely and did not come back"
	[ ! -e "$tmp/remote-wd/points/$id.csv" ] || fail "$id is still in the remote folder (--cleanup)"
done
ok "the remote runs ran in $tmp/remote-wd and came back through --return"

kill "$sshd_pid"
wait "$sshd_pid" 2>/dev/null || true
! kill -0 "$sshd_pid" 2>/dev/null || fail "sshd $sshd_pid still runs"
sshd_pid=""
ok "sshd stopped"
echo "sweep_ssh.sh: ok"
