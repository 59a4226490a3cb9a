# Runs on the HOST between Détente and bubblewrap (perl-base is Essential on Debian/Ubuntu and
# starts in ~2 ms, where a Python interpreter takes 20-50 ms).
#
# bubblewrap's outer process learns its command's exit status through an eventfd and exits
# without waiting for the PID namespace's init, so the command's CPU time never reaches a
# wait4 of bubblewrap. This process makes itself a child subreaper (prctl(2)
# PR_SET_CHILD_SUBREAPER = 36), so the namespace's init is re-parented to it and reaped here
# with the CPU time of everything the command ran (times(2) cutime + cstime); then it writes
# {"status": wait status of bubblewrap, "cpu": seconds} to fd REPORT_FD.
#
# It also sets the run's resource limits (prlimit64(2) on itself, inherited by bubblewrap and
# everything in the sandbox): doing that in Python between fork and exec (preexec_fn) is not
# safe in a threaded program such as inspect's.
#
# Usage: perl _reaper.pl PRCTL_NR PRLIMIT64_NR REPORT_FD RES:SOFT:HARD,... -- BWRAP_ARGV...
my ($nr, $nr_prlimit, $fd, $limits, @cmd) = @ARGV;
shift @cmd if @cmd && $cmd[0] eq '--';
syscall($nr, 36, 1, 0, 0, 0) == 0 or die "prctl(PR_SET_CHILD_SUBREAPER): $!\n";
for my $limit (split /,/, $limits) {
    my ($res, $soft, $hard) = split /:/, $limit;
    my $new = pack('QQ', $soft, $hard);
    syscall($nr_prlimit, 0, $res + 0, $new, 0) == 0 or die "prlimit64($res): $!\n";
}
my $pid;
# Détente's wall clock: SIGTERM here SIGKILLs bubblewrap, whose PID namespace dies with it;
# we stay to reap the namespace's init (no zombie is left behind) and report.
$SIG{TERM} = sub { kill 'KILL', $pid if $pid };
$pid = fork();
die "fork: $!\n" unless defined $pid;
if ($pid == 0) {
    $SIG{$_} = 'DEFAULT' for qw(PIPE XFSZ TERM);
    %ENV = ();
    exec { $cmd[0] } @cmd or exit 127;
}
my $status = 0;
while (1) {
    my $reaped = wait();
    last if $reaped == -1;
    $status = $? if $reaped == $pid;
}
my (undef, undef, $cuser, $csys) = times;
open(my $out, '>&=', $fd) or die "report fd: $!\n";
printf $out '{"status":%d,"cpu":%.3f}', $status, $cuser + $csys;
close $out;
