# PID 1 of a Détente sandbox: bubblewrap starts it with --as-pid-1, INSIDE the namespaces.
# (perl-base is Essential on Debian/Ubuntu and starts in ~2 ms, where python3 takes 20-50 ms.)
#
# 1. Sets the run's resource limits on itself with prlimit64(2) (inherited by everything the
#    command starts; soft = hard, and raising a hard limit needs CAP_SYS_RESOURCE in the
#    initial user namespace, which nothing here has).
# 2. Runs the command as its child, so the command is NOT the namespace's init: the kernel's
#    init protections (signals without a handler ignored, pid_namespaces(7)) do not change how
#    it behaves (`kill -SEGV $$`, SIGXFSZ, abort()).
# 3. Reaps every process re-parented to it; when the command exits, exits with the command's
#    status (128+N for death by signal N, as bubblewrap reports it). Our exit ends the PID
#    namespace (the kernel kills what is left), and bubblewrap's outer process, our parent,
#    reaps us: the CPU time of all that was waited for reaches Détente's wait4.
#
# Usage: perl init.pl PRLIMIT64_NR RES:SOFT:HARD,... -- COMMAND...
my ($nr_prlimit, $limits, @cmd) = @ARGV;
shift @cmd if @cmd && $cmd[0] eq '--';
for my $limit (split /,/, $limits) {
    my ($res, $soft, $hard) = split /:/, $limit;
    syscall($nr_prlimit, 0, $res + 0, pack('QQ', $soft, $hard), 0) == 0
        or die "detente sandbox: prlimit64($res): $!\n";
}
my $pid = fork();
die "detente sandbox: fork: $!\n" unless defined $pid;
if ($pid == 0) {
    $SIG{$_} = 'DEFAULT' for qw(PIPE XFSZ TERM INT);
    exec { $cmd[0] } @cmd;
    print STDERR "detente sandbox: cannot run $cmd[0]: $!\n";
    exit 127;
}
while (1) {
    my $reaped = wait();
    last if $reaped == -1;
    next unless $reaped == $pid;
    my $status = $?;
    exit(($status & 127) ? 128 + ($status & 127) : ($status >> 8));
}
exit 127;
