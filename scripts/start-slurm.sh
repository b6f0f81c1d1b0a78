#!/usr/bin/env bash
# Starts a one-node Slurm on this machine for the Slurm tests and for trying `pipeline slurm` (as root, no systemd):
# installs Debian's slurm-wlm and munge, writes /etc/slurm/slurm.conf for this host, starts munged, slurmctld and
# slurmd, and waits until the node is idle. Idempotent: a node that already answers `sinfo` as idle is left alone.
# Exits 0 when the node is idle, 1 otherwise (the Slurm tests then skip visibly).
set -uo pipefail

node_idle() { sinfo -h -N -o "%t" 2>/dev/null | grep -Eq '^(idle|mix|alloc)'; }

if command -v sinfo >/dev/null 2>&1 && node_idle; then echo "slurm: node already up"; exit 0; fi
if [ "$(id -u)" -ne 0 ]; then echo "slurm: needs root to start the daemons"; exit 1; fi
if ! command -v slurmctld >/dev/null 2>&1 || ! command -v munged >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null || { echo "slurm: install failed"; exit 1; }
fi
mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge
H=$(hostname -s); CPUS=$(nproc); MEM=$(( $(awk '/MemTotal/{print $2}' /proc/meminfo) / 1024 - 1024 ))
cat > /etc/slurm/slurm.conf <<CONF
ClusterName=local
SlurmctldHost=$H
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
ReturnToService=2
KillWait=5
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
NodeName=$H CPUs=$CPUS RealMemory=$MEM State=UNKNOWN
PartitionName=debug Nodes=$H Default=YES MaxTime=INFINITE State=UP
CONF
[ -f /etc/munge/munge.key ] || head -c 1024 /dev/urandom > /etc/munge/munge.key
chown root:root /etc/munge/munge.key /run/munge; chmod 400 /etc/munge/munge.key
# munged first: a slurmctld started before it cannot authenticate
pgrep -x munged >/dev/null || /usr/sbin/munged --force
pgrep -x slurmctld >/dev/null || { /usr/sbin/slurmctld; sleep 2; }
pgrep -x slurmd >/dev/null || /usr/sbin/slurmd
for _ in $(seq 1 30); do
  if node_idle; then echo "slurm: node $H up ($CPUS CPUs, $MEM MB)"; exit 0; fi
  scontrol update nodename="$H" state=resume >/dev/null 2>&1 || true
  sleep 1
done
echo "slurm: the node did not become idle"; sinfo 2>&1 | head -5
exit 1
