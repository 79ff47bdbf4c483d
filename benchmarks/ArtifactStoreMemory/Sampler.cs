using System.Diagnostics;
using System.Globalization;

/// <summary>
/// Follows the process's resident memory (what WorkingSet64 reports on Linux) and GC heap during
/// one phase. A thread of its own samples them every 5 ms, so a busy thread pool cannot delay it.
/// On Linux the resident size is read from /proc/self/statm into a reused buffer: sampling through
/// Process.Refresh() allocates several MiB per second itself (it parses every thread's stat
/// file), which would show up as the stores' growth. Linux also keeps the exact peak (VmHWM),
/// resettable through /proc/self/clear_refs, which catches spikes shorter than the interval.
/// </summary>
internal sealed class Sampler : IDisposable
{
    private readonly Microsoft.Win32.SafeHandles.SafeFileHandle? _statm = OperatingSystem.IsLinux() ? File.OpenHandle("/proc/self/statm") : null;
    private readonly byte[] _buffer = new byte[128];
    private readonly bool _exactPeak;
    private readonly Thread _thread;
    private volatile bool _stopping;

    public Sampler()
    {
        _exactPeak = ResetPeak();
        BaselineWorkingSet = PeakWorkingSet = WorkingSet();
        BaselineHeap = PeakHeap = GC.GetTotalMemory(forceFullCollection: false);
        _thread = new Thread(Run) { IsBackground = true, Name = "working set sampler" };
        _thread.Start();
    }

    public long BaselineWorkingSet { get; }

    /// <summary>The highest resident size seen (exact on Linux, sampled elsewhere).</summary>
    public long PeakWorkingSet { get; private set; }

    public long BaselineHeap { get; }

    public long PeakHeap { get; private set; }

    public void Stop()
    {
        if (_stopping)
        {
            return;
        }

        _stopping = true;
        _thread.Join();
        if (_exactPeak && PeakFromStatus() is { } peak)
        {
            PeakWorkingSet = Math.Max(PeakWorkingSet, peak);
        }
    }

    public void Dispose()
    {
        Stop();
        _statm?.Dispose();
    }

    private void Run()
    {
        while (!_stopping)
        {
            PeakWorkingSet = Math.Max(PeakWorkingSet, WorkingSet());
            PeakHeap = Math.Max(PeakHeap, GC.GetTotalMemory(forceFullCollection: false));
            Thread.Sleep(5);
        }
    }

    /// <summary>The resident size: statm's second field, in pages.</summary>
    private long WorkingSet()
    {
        if (_statm is null)
        {
            using var process = Process.GetCurrentProcess();
            return process.WorkingSet64;
        }

        var text = _buffer.AsSpan(0, RandomAccess.Read(_statm, _buffer, 0));
        text = text[(text.IndexOf((byte)' ') + 1)..];
        long pages = 0;
        foreach (var digit in text)
        {
            if (digit is < (byte)'0' or > (byte)'9')
            {
                break;
            }

            pages = (pages * 10) + (digit - '0');
        }

        return pages * Environment.SystemPageSize;
    }

    /// <summary>Resets the kernel's peak resident size of this process ("5" resets VmHWM); false where that is not possible.</summary>
    private static bool ResetPeak()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static long? PeakFromStatus()
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        var kib = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        return kib is null ? null : long.Parse(kib, CultureInfo.InvariantCulture) * 1024;
    }
}
