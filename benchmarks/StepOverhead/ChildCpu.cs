using System.Runtime.InteropServices;

namespace StepOverhead;

/// <summary>
/// CPU time (user + system) of the processes this process has started and waited for, with their own
/// waited-for descendants (Linux/macOS getrusage RUSAGE_CHILDREN). The difference around one run is
/// the CPU time of that run's whole process tree: less disturbed than wall time on a busy machine.
/// </summary>
internal static class ChildCpu
{
    private const int RusageChildren = -1;

    /// <summary>Milliseconds so far, or NaN where getrusage is not available.</summary>
    public static double Milliseconds()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return double.NaN;
        }

        return getrusage(RusageChildren, out var usage) == 0
            ? (usage.User.Seconds + usage.System.Seconds) * 1000.0 + (usage.User.Microseconds + usage.System.Microseconds) / 1000.0
            : double.NaN;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeValue
    {
        public long Seconds;
        public long Microseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct ResourceUsage
    {
        public TimeValue User;
        public TimeValue System;

        // ru_maxrss ... ru_nivcsw: 14 longs this program does not read.
        [MarshalAs(UnmanagedType.ByValArray, SizeConst = 14)]
        public long[] Rest;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int getrusage(int who, out ResourceUsage usage);
}
