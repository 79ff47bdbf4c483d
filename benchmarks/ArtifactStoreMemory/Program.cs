using System.Diagnostics;
using System.Globalization;
using StepOperator.Artifacts;
using StepOperator.Testing;

// Writes a large artifact, generated on the fly, through each remote store with
// ArtifactSerializer, reads it back as a stream, checks its SHA-256, and reports how far the
// process's working set grew meanwhile: a store that buffered whole objects would grow by the
// artifact's size; a streaming one by its part buffers and the clients' own buffers.
// Each store is measured in a child process of its own, so one store's run cannot lower or
// raise the next one's baseline.
//
// Usage: dotnet run -c Release --project benchmarks/ArtifactStoreMemory [-- --size-mib 1024] [--stores s3,azure]
// Exit code 1 when a checksum differs or a store grows past the limit.

const long LimitMiB = 64;
var sizeMiB = 1024L;
var stores = new[] { "s3", "azure" };
string? measure = null;
for (var i = 0; i < args.Length - 1; i++)
{
    switch (args[i])
    {
        case "--size-mib":
            sizeMiB = long.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--stores":
            stores = args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries);
            break;
        case "--measure":
            measure = args[++i];
            break;
    }
}

if (measure is not null)
{
    return await MeasureStoreAsync(measure, sizeMiB) ? 0 : 1;
}

if (stores.FirstOrDefault(s => s is not ("s3" or "azure")) is { } unknown)
{
    Console.Error.WriteLine($"Unknown store '{unknown}'; use --stores s3,azure.");
    return 2;
}

if (LocalServers.Prepare(RepositoryPaths.Root) is { } problem)
{
    Console.Error.WriteLine($"The servers cannot run: {problem}.");
    return 2;
}

Console.WriteLine($"{sizeMiB} MiB per store, written and read back; limit {LimitMiB} MiB of working set growth.");
Console.WriteLine($".NET {Environment.Version}, {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC, {Environment.ProcessorCount} processors");
Console.WriteLine();

var failed = false;
foreach (var name in stores)
{
    // This program again: its apphost, or `dotnet <dll>` when started that way.
    var self = new ProcessStartInfo(Environment.ProcessPath!);
    if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
    {
        self.ArgumentList.Add(typeof(Measurement).Assembly.Location);
    }

    foreach (var argument in new[] { "--measure", name, "--size-mib", sizeMiB.ToString(CultureInfo.InvariantCulture) })
    {
        self.ArgumentList.Add(argument);
    }

    using var child = Process.Start(self)!;
    await child.WaitForExitAsync();
    failed |= child.ExitCode != 0;
}

return failed ? 1 : 0;

static async Task<bool> MeasureStoreAsync(string name, long sizeMiB)
{
    await using var server = name == "s3"
        ? await LocalServers.StartS3rverAsync(RepositoryPaths.Root)
        : await LocalServers.StartAzuriteAsync(RepositoryPaths.Root);
    IArtifactStore store = name == "s3"
        ? new S3ArtifactStore(new S3ArtifactStoreSettings
        {
            Bucket = "benchmark",
            ServiceUrl = new Uri(server.Address),
            ForcePathStyle = true,
            AccessKeyId = LocalServers.S3AccessKeyId,
            SecretAccessKey = LocalServers.S3SecretAccessKey,
        })
        : new AzureBlobArtifactStore(new AzureBlobArtifactStoreSettings
        {
            AccountEndpoint = new Uri(server.Address),
            AccountName = LocalServers.AzuriteAccount,
            AccountKey = LocalServers.AzuriteKey,
            Container = "benchmark",
        });

    var result = await MeasureAsync(store, sizeMiB * 1024 * 1024);
    (store as IDisposable)?.Dispose();

    var under = result.PeakGrowthMiB < LimitMiB;
    Console.WriteLine($"{name,-6} {store.Location}");
    Console.WriteLine($"       write {result.WriteMiBPerSecond,7:0.0} MiB/s   read {result.ReadMiBPerSecond,7:0.0} MiB/s   checksum {(result.ChecksumMatches ? "ok" : "DIFFERENT")}");
    Console.WriteLine($"       peak working set growth {result.PeakGrowthMiB,6:0.0} MiB ({(under ? "under" : "NOT under")} {LimitMiB} MiB; baseline {result.BaselineMiB:0.0} MiB, peak {result.PeakMiB:0.0} MiB)");
    Console.WriteLine($"       peak GC heap growth     {result.PeakHeapGrowthMiB,6:0.0} MiB; {result.AllocatedMiB:0.0} MiB allocated, {result.Collections} GCs");
    Console.WriteLine();
    return result.ChecksumMatches && under;
}

static async Task<Measurement> MeasureAsync(IArtifactStore store, long size)
{
    // A small round first, so loading and JIT-compiling the client libraries and the store's
    // first buffers are part of the baseline, not of the growth.
    await RoundTripAsync(store, ArtifactKey.Parse("warm-up.bin"), 20L * 1024 * 1024);

    GC.Collect();
    GC.WaitForPendingFinalizers();
    GC.Collect();
    var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
    var collectionsBefore = GC.CollectionCount(0);
    using var sampler = new Sampler();
    var (write, read, matches) = await RoundTripAsync(store, ArtifactKey.Parse("benchmark/artifact.bin"), size);
    sampler.Stop();
    var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;

    var mib = size / (1024.0 * 1024.0);
    return new Measurement(
        mib / write.TotalSeconds,
        mib / read.TotalSeconds,
        matches,
        sampler.BaselineWorkingSet / (1024.0 * 1024.0),
        sampler.PeakWorkingSet / (1024.0 * 1024.0),
        (sampler.PeakWorkingSet - sampler.BaselineWorkingSet) / (1024.0 * 1024.0),
        (sampler.PeakHeap - sampler.BaselineHeap) / (1024.0 * 1024.0),
        allocated / (1024.0 * 1024.0),
        GC.CollectionCount(0) - collectionsBefore);
}

static async Task<(TimeSpan Write, TimeSpan Read, bool Matches)> RoundTripAsync(IArtifactStore store, ArtifactKey key, long size)
{
    var source = new GeneratedStream(size);
    var clock = Stopwatch.StartNew();
    await ArtifactSerializer.WriteAsync<Stream>(store, key, source, "benchmark", CancellationToken.None);
    var write = clock.Elapsed;

    clock.Restart();
    await using var back = await ArtifactSerializer.ReadAsync<Stream>(store, key, "benchmark", CancellationToken.None);
    var (hash, length) = await GeneratedStream.HashOfAsync(back);
    var read = clock.Elapsed;
    return (write, read, length == size && hash.AsSpan().SequenceEqual(source.Hash));
}

internal sealed record Measurement(
    double WriteMiBPerSecond,
    double ReadMiBPerSecond,
    bool ChecksumMatches,
    double BaselineMiB,
    double PeakMiB,
    double PeakGrowthMiB,
    double PeakHeapGrowthMiB,
    double AllocatedMiB,
    int Collections);

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
