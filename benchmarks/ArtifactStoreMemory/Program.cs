using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using StepOperator.Artifacts;
using StepOperator.Azure;
using StepOperator.Benchmarks.Support;
using StepOperator.S3;
using StepOperator.Testing;

// A 1 GiB artifact round trip through each artifact store (local files, S3 via
// s3rver, Azure Blob via Azurite) with ArtifactSerializer, from a file and back into a file, next to
// the same round trip made of plain file copies. For each it reports the write, read and round-trip
// throughput, the round trip against the plain copies (goal >= 0.8x), and the peak growth of the
// process's resident memory during the round trip (goal <= 64 MiB). Every measurement runs in a
// process of its own (so one cannot lower or raise the next one's baseline); the rounds interleave
// the stores, and the figures are medians over the rounds. The result goes to benchmarks/RESULTS.md
// (section ArtifactStoreMemory).
//
// Usage: dotnet run -c Release --project benchmarks/ArtifactStoreMemory [-- --size-mib 1024] [--rounds 3]
//        [--stores copy,local,s3,azure,s3-sdk,azure-sdk] [--no-results]
// s3@N and azure@N (e.g. s3@1) are the stores with N parts (blocks) uploaded at a time instead of their default:
// a comparison in the same run, not a goal.
// s3-sdk and azure-sdk move the same file through the same servers with the vendors' own
// transfer clients instead of the artifact store: a reference for what the servers allow, not a goal.
// Exit code 1 when a checksum differs or a goal is missed.

const double MemoryLimitMiB = 64;
const double ThroughputGoal = 0.8;
var sizeMiB = 1024L;
var rounds = 3;
var stores = new[] { "copy", "local", "s3", "azure", "s3-sdk", "azure-sdk" };
var writeResults = true;
string? measure = null, source = null, expectedHash = null;
for (var i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--size-mib": sizeMiB = long.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--rounds": rounds = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--stores": stores = Next().Split(',', StringSplitOptions.RemoveEmptyEntries); break;
        case "--no-results": writeResults = false; break;
        case "--measure": measure = Next(); break;
        case "--source": source = Next(); break;
        case "--sha256": expectedHash = Next(); break;
        default: Console.Error.WriteLine($"Unknown option {args[i]}."); return 2;
    }
}

if (measure is not null)
{
    var one = await Measure.RunAsync(measure, source!, expectedHash!);
    Console.WriteLine("RESULT " + JsonSerializer.Serialize(one, Measurement.Json));
    return one.ChecksumMatches ? 0 : 1;
}

if (stores.FirstOrDefault(s => Measure.InFlightOf(s).Store is not ("copy" or "local" or "s3" or "azure" or "s3-sdk" or "azure-sdk")) is { } unknown)
{
    Console.Error.WriteLine($"Unknown store '{unknown}'; use --stores copy,local,s3,azure,s3-sdk,azure-sdk (s3@N, azure@N: N parts in flight).");
    return 2;
}

if (!stores.Contains("copy"))
{
    stores = ["copy", .. stores]; // the baseline every ratio needs
}

if (stores.Any(s => s.StartsWith("s3", StringComparison.Ordinal) || s.StartsWith("azure", StringComparison.Ordinal)) && LocalServers.Prepare(RepositoryPaths.Root) is { } problem)
{
    Console.Error.WriteLine($"The servers cannot run: {problem}.");
    return 2;
}

var work = Directory.CreateTempSubdirectory("stepoperator-p6-");
Results.MarkPressure();
try
{
    // The artifact: pseudo-random bytes (nothing can compress or deduplicate them), written to a file once.
    var sourceFile = Path.Combine(work.FullName, "source.bin");
    string hash;
    await using (var generated = new GeneratedStream(sizeMiB * 1024 * 1024))
    await using (var file = new FileStream(sourceFile, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20, useAsync: true))
    {
        await generated.CopyToAsync(file, 1 << 20);
        hash = Convert.ToHexStringLower(generated.Hash);
    }

    Console.WriteLine($"{sizeMiB} MiB, {rounds} rounds of: {string.Join(", ", stores)} (order rotated each round), each in a process of its own.");
    Console.WriteLine($".NET {Environment.Version}, {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC, {Environment.ProcessorCount} processors");
    var measured = stores.ToDictionary(s => s, _ => new List<Measurement>());
    var failed = false;
    for (var round = 0; round < rounds; round++)
    {
        var order = stores.Skip(round % stores.Length).Concat(stores.Take(round % stores.Length)).ToArray();
        foreach (var name in order)
        {
            var self = new List<string>();
            var program = Environment.ProcessPath!;
            if (Path.GetFileNameWithoutExtension(program) == "dotnet")
            {
                self.Add(typeof(Measurement).Assembly.Location);
            }

            self.AddRange(["--measure", name, "--source", sourceFile, "--sha256", hash]);
            var run = await Shell.RunAsync(program, self, timeout: TimeSpan.FromMinutes(15));
            var line = run.Output.Split('\n').LastOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal));
            if (line is null)
            {
                Console.Error.WriteLine($"{name} failed: {run}");
                failed = true;
                continue;
            }

            var m = JsonSerializer.Deserialize<Measurement>(line["RESULT ".Length..], Measurement.Json)!;
            measured[name].Add(m);
            failed |= !m.ChecksumMatches;
            Console.WriteLine(name == "copy"
                ? $"round {round + 1} copy   plain copy there {m.WriteMiBPerSecond,7:0.0} MiB/s  back {m.ReadMiBPerSecond,7:0.0} MiB/s  round trip {m.CopyMiBPerSecond,7:0.0} MiB/s  peak RSS growth {m.PeakGrowthMiB,5:0.0} MiB  checksum {(m.ChecksumMatches ? "ok" : "DIFFERENT")}"
                : $"round {round + 1} {name,-6} write {m.WriteMiBPerSecond,7:0.0} MiB/s  read {m.ReadMiBPerSecond,7:0.0} MiB/s  round trip {m.RoundTripMiBPerSecond,7:0.0} MiB/s  " +
                $"commit {m.CommitSeconds:0.00} of {m.WriteSeconds:0.00} s  peak RSS growth {m.PeakGrowthMiB,5:0.0} MiB  cpu client {m.ClientCpuSeconds:0.0} s (write {m.WriteClientCpuSeconds:0.0}), server {m.ServerCpuSeconds:0.0} s (write {m.WriteServerCpuSeconds:0.0})  checksum {(m.ChecksumMatches ? "ok" : "DIFFERENT")}");
        }
    }

    // Ratios are taken round by round (the store next to the copy measured in the same round), then the median.
    var copies = measured["copy"];
    var lines = new List<string>();
    var goalsMet = !failed;
    foreach (var name in stores.Where(s => s != "copy"))
    {
        var runs = measured[name];
        var variant = Measure.InFlightOf(name).PartsInFlight is not null; // the store with another number of parts in flight
        var reference = variant || name.EndsWith("-sdk", StringComparison.Ordinal); // a reference point, not a store with a goal
        if (runs.Count == 0)
        {
            goalsMet &= reference;
            lines.Add($"| {name} | failed | | | | | | | | |");
            continue;
        }

        var ratios = runs.Select((m, i) => m.RoundTripMiBPerSecond / copies[Math.Min(i, copies.Count - 1)].CopyMiBPerSecond).ToList();
        var ratio = Results.Median(ratios);
        var peak = runs.Max(m => m.PeakGrowthMiB);
        var met = ratio >= ThroughputGoal && peak <= MemoryLimitMiB;
        goalsMet &= met || reference;
        string Verdict(bool ok) => reference ? "(reference)" : ok ? "met" : "**missed**";
        lines.Add(
            $"| {(variant ? $"{name} ({Measure.InFlightOf(name).PartsInFlight} in flight)" : reference ? $"{name} (vendor SDK, no StepOperator)" : $"**{name}**")} | {Results.F(Results.Median(runs.Select(m => m.WriteMiBPerSecond)), "0")} | {Results.F(Results.Median(runs.Select(m => m.ReadMiBPerSecond)), "0")} | " +
            $"{Results.F(Results.Median(runs.Select(m => m.RoundTripMiBPerSecond)), "0")} | **{Results.F(ratio)}×** ({Results.List(ratios)}) | " +
            $"{Verdict(ratio >= ThroughputGoal)} | **{Results.F(peak, "0.0")}** (median {Results.F(Results.Median(runs.Select(m => m.PeakGrowthMiB)), "0.0")}) | {Verdict(peak <= MemoryLimitMiB)} | " +
            $"{Results.F(Results.Median(runs.Select(m => m.ClientCpuSeconds)), "0.0")} / {Results.F(Results.Median(runs.Select(m => m.ServerCpuSeconds)), "0.0")} " +
            $"(write {Results.F(Results.Median(runs.Select(m => m.WriteClientCpuSeconds)), "0.0")} / {Results.F(Results.Median(runs.Select(m => m.WriteServerCpuSeconds)), "0.0")}) | " +
            $"{Results.F(Results.Median(runs.Select(m => m.WriteSeconds)), "0.0")}" + (reference && !variant ? " |" : $" ({Results.F(Results.Median(runs.Select(m => m.CommitSeconds)), "0.0")}) |"));
    }

    var copyMedian = Results.Median(copies.Select(m => m.CopyMiBPerSecond));
    var report = new StringBuilder();
    report.AppendLine("## 1 GiB artifact round trip per store");
    report.AppendLine();
    report.AppendLine($"Command: `dotnet run -c Release --project benchmarks/ArtifactStoreMemory -- --size-mib {sizeMiB} --rounds {rounds} --stores {string.Join(',', stores)}`  ");
    report.AppendLine($"Machine: {Results.Machine()}; {Results.Revision()}.");
    report.AppendLine();
    report.AppendLine($"A {sizeMiB} MiB file of pseudo-random bytes is written into the store with `ArtifactSerializer.WriteAsync<Stream>` (from a `FileStream`) and read back with " +
        "`ArtifactSerializer.ReadAsync<Stream>` into another file, whose SHA-256 is then checked (outside the timings). Round-trip throughput = 2 × size / (write time + read time), " +
        "bytes moved per second, set against the same round trip made of plain file copies (`FileStream.CopyToAsync` of the file to a file, then of that file to another, " +
        "on the same disk: the same 2 × size written, so the same page-cache writeback) measured in the same round. " +
        "Peak RSS growth = the kernel's exact peak resident size (VmHWM, reset before the round trip) minus the resident size before it, after a 20 MiB warm-up round trip. " +
        $"Each measurement is a process of its own; {rounds} rounds, the order of the stores rotated each round; medians (per-round values in parentheses). " +
        "CPU = seconds of CPU used during the round trip by the measuring process / by the store's server process (s3rver or Azurite, Node.js), in parentheses the part used by the write. " +
        "Commit = the part of the write after the last byte was handed to the store (its last part and completing the upload). " +
        "The `-sdk` rows move the same file through the same server with the vendor's own client (AWS `PutObject` from the file and `GetObject` into a file, Azure `BlobClient.UploadAsync`/`DownloadToAsync`, " +
        "default settings) instead of the artifact store: what the server allows with the official client, for reference (no goal).");
    report.AppendLine();
    report.AppendLine($"Plain file copy round trip: **{Results.F(copyMedian, "0")} MiB/s** (median; rounds: {Results.List(copies.Select(m => m.CopyMiBPerSecond), "0")}; " +
        $"there {Results.F(Results.Median(copies.Select(m => m.WriteMiBPerSecond)), "0")} MiB/s, back {Results.F(Results.Median(copies.Select(m => m.ReadMiBPerSecond)), "0")} MiB/s).");
    report.AppendLine();
    report.AppendLine("| store | write MiB/s | read MiB/s | round trip MiB/s | vs plain copy (goal ≥ 0.8×) | throughput goal | peak RSS growth MiB, worst round (goal ≤ 64) | memory goal | CPU s client / server (of which write) | write s (of which commit) |");
    report.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
    foreach (var line in lines)
    {
        report.AppendLine(line);
    }

    Results.Publish("ArtifactStoreMemory", report, writeResults);

    return goalsMet ? 0 : 1;
}
finally
{
    work.Delete(recursive: true);
}

/// <summary>One measurement, as a child process reports it.</summary>
internal sealed record Measurement(
    string Store,
    double CopyMiBPerSecond,
    double WriteMiBPerSecond,
    double ReadMiBPerSecond,
    double RoundTripMiBPerSecond,
    bool ChecksumMatches,
    double BaselineMiB,
    double PeakMiB,
    double PeakGrowthMiB,
    double AllocatedMiB,
    double ClientCpuSeconds,
    double ServerCpuSeconds)
{
    /// <summary>NaN stands for "not measured".</summary>
    public static JsonSerializerOptions Json { get; } = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public double WriteSeconds { get; init; }

    /// <summary>Of the CPU seconds, those used by the write (the rest went to the read).</summary>
    public double WriteClientCpuSeconds { get; init; } = double.NaN;

    public double WriteServerCpuSeconds { get; init; } = double.NaN;

    /// <summary>Of the write, the seconds after the last byte was handed to the store (its last part and the commit).</summary>
    public double CommitSeconds { get; init; } = double.NaN;
}

/// <summary>The measuring side: one store (or the plain copy) in this process.</summary>
internal static class Measure
{
    private const int FileBufferSize = 81_920; // FileStream's and CopyToAsync's default, as LocalArtifactStore uses

    public static async Task<Measurement> RunAsync(string name, string sourceFile, string expectedHash)
    {
        var size = new FileInfo(sourceFile).Length;
        var mib = size / (1024.0 * 1024.0);
        var work = Path.GetDirectoryName(sourceFile)!;
        var destination = Path.Combine(work, $"back-{name}-{Guid.NewGuid():N}.bin");
        LocalServer? server = null;
        IArtifactStore? store = null;
        var localRoot = Path.Combine(work, $"local-store-{Guid.NewGuid():N}");
        try
        {
            if (name == "copy")
            {
                // The same round trip with plain copies: the file to a file and that file to another, as the stores do
                // (file → store, store → file), so both write the same 2 × size and meet the same page-cache writeback.
                var middle = Path.Combine(work, $"middle-{Guid.NewGuid():N}.bin");
                try
                {
                    // Warm-up: the same code on 20 MiB, so JIT and first buffers are in the baseline.
                    await CopyAsync(sourceFile, destination, 20L * 1024 * 1024);
                    File.Delete(destination);
                    Collect();
                    var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
                    var allocated = GC.GetTotalAllocatedBytes(precise: true);
                    using var copySampler = new Sampler();
                    var clock = Stopwatch.StartNew();
                    await CopyAsync(sourceFile, middle, long.MaxValue);
                    var there = clock.Elapsed;
                    clock.Restart();
                    await CopyAsync(middle, destination, long.MaxValue);
                    var back = clock.Elapsed;
                    copySampler.Stop();
                    var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
                    var matches = await HashOfFileAsync(destination) == expectedHash;
                    return new Measurement(name, 2 * mib / (there + back).TotalSeconds, mib / there.TotalSeconds, mib / back.TotalSeconds, 2 * mib / (there + back).TotalSeconds, matches,
                        MiB(copySampler.BaselineWorkingSet), MiB(copySampler.PeakWorkingSet), MiB(copySampler.PeakWorkingSet - copySampler.BaselineWorkingSet),
                        MiB(GC.GetTotalAllocatedBytes(precise: true) - allocated), cpu, 0);
                }
                finally
                {
                    File.Delete(middle);
                }
            }

            var (kind, inFlight) = InFlightOf(name);
            (server, store) = kind switch
            {
                "local" => (null, new LocalArtifactStore(localRoot)),
                "s3" or "s3-sdk" => await S3Async(inFlight),
                "azure" or "azure-sdk" => await AzureAsync(inFlight),
                _ => throw new ArgumentException($"Unknown store {name}."),
            };

            // The store through ArtifactSerializer, or (the -sdk variants) the same server through the vendor's
            // own clients (AWS PutObject/GetObject of the file, Azure BlobClient.UploadAsync/DownloadToAsync, their defaults),
            // which shows what the server allows with the official client.
            Func<string, string, Task> upload = (file, key) => WriteThroughStoreAsync(store, file, key);
            Func<string, string, Task> download = (key, file) => ReadThroughStoreAsync(store, key, file);
            if (name == "s3-sdk")
            {
                var settings = ((S3ArtifactStore)store).Settings;
                var client = new Amazon.S3.AmazonS3Client(settings.AccessKeyId, settings.SecretAccessKey, new Amazon.S3.AmazonS3Config
                {
                    ServiceURL = settings.ServiceUrl!.ToString(),
                    AuthenticationRegion = settings.Region,
                    ForcePathStyle = true,
                    RequestChecksumCalculation = Amazon.Runtime.RequestChecksumCalculation.WHEN_REQUIRED,
                    ResponseChecksumValidation = Amazon.Runtime.ResponseChecksumValidation.WHEN_REQUIRED,
                });
                await client.PutBucketAsync(settings.Bucket);
                upload = (file, key) => client.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest
                {
                    BucketName = settings.Bucket,
                    Key = key,
                    FilePath = file,
                    UseChunkEncoding = false, // s3rver stores aws-chunked framing as content (as the store's own comment says)
                });
                download = async (key, file) =>
                {
                    using var response = await client.GetObjectAsync(settings.Bucket, key);
                    await using var output = new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileBufferSize, useAsync: true);
                    await response.ResponseStream.CopyToAsync(output);
                };
            }
            else if (name == "azure-sdk")
            {
                var settings = ((AzureBlobArtifactStore)store).Settings;
                var container = new Azure.Storage.Blobs.BlobServiceClient(settings.EffectiveEndpoint, new Azure.Storage.StorageSharedKeyCredential(settings.AccountName, settings.AccountKey))
                    .GetBlobContainerClient(settings.Container);
                await container.CreateIfNotExistsAsync();
                upload = (file, key) => container.GetBlobClient(key).UploadAsync(file, overwrite: true);
                download = (key, file) => container.GetBlobClient(key).DownloadToAsync(file);
            }

            // Warm-up round trip (20 MiB): loading and JIT-compiling the client libraries and the first buffers belong to the baseline.
            var warmFile = Path.Combine(work, $"warm-{Guid.NewGuid():N}.bin");
            await CopyAsync(sourceFile, warmFile, 20L * 1024 * 1024);
            await upload(warmFile, "warm-up.bin");
            File.Delete(warmFile);
            await download("warm-up.bin", warmFile);
            File.Delete(warmFile);

            Collect();
            const string key = "benchmark/artifact.bin";
            var serverCpuBefore = server is null ? 0 : CpuSecondsOf(server.ProcessId);
            var clientCpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            using var sampler = new Sampler();

            var timer = Stopwatch.StartNew();
            await upload(sourceFile, key);
            var write = timer.Elapsed;
            var writeClientCpu = (Process.GetCurrentProcess().TotalProcessorTime - clientCpuBefore).TotalSeconds;
            var writeServerCpu = server is null ? 0 : CpuSecondsOf(server.ProcessId) - serverCpuBefore;

            timer.Restart();
            await download(key, destination);
            var read = timer.Elapsed;
            sampler.Stop();
            var clientCpu = (Process.GetCurrentProcess().TotalProcessorTime - clientCpuBefore).TotalSeconds;
            var serverCpu = server is null ? 0 : CpuSecondsOf(server.ProcessId) - serverCpuBefore;
            var allocatedMiB = MiB(GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore);
            var checksum = await HashOfFileAsync(destination) == expectedHash;
            return new Measurement(name, 0, mib / write.TotalSeconds, mib / read.TotalSeconds, 2 * mib / (write + read).TotalSeconds, checksum,
                MiB(sampler.BaselineWorkingSet), MiB(sampler.PeakWorkingSet), MiB(sampler.PeakWorkingSet - sampler.BaselineWorkingSet), allocatedMiB, clientCpu, serverCpu)
            {
                WriteSeconds = write.TotalSeconds,
                WriteClientCpuSeconds = writeClientCpu,
                WriteServerCpuSeconds = writeServerCpu,
                CommitSeconds = name.EndsWith("-sdk", StringComparison.Ordinal) ? double.NaN : LastCommitSeconds,
            };
        }
        finally
        {
            (store as IDisposable)?.Dispose();
            if (server is not null)
            {
                await server.DisposeAsync();
            }

            File.Delete(destination);
            if (Directory.Exists(localRoot))
            {
                Directory.Delete(localRoot, recursive: true);
            }
        }
    }

    /// <summary>File → store: ArtifactSerializer.WriteAsync&lt;Stream&gt; with a FileStream (which it disposes).</summary>
    /// <remarks>
    /// What ArtifactSerializer.WriteAsync does (store.WriteAsync with SerializeAsync as the callback), spelled out so the
    /// time after the callback returned (the store's commit: its last part, completing the upload) can be told apart.
    /// </remarks>
    private static async Task WriteThroughStoreAsync(IArtifactStore store, string file, string key)
    {
        var input = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, FileBufferSize, useAsync: true);
        var clock = Stopwatch.StartNew();
        var handedOver = TimeSpan.Zero;
        await store.WriteAsync(ArtifactKey.Parse(key), async (target, ct) =>
        {
            await ArtifactSerializer.SerializeAsync<Stream>(target, input, "benchmark", ct);
            handedOver = clock.Elapsed;
        }, CancellationToken.None);
        LastCommitSeconds = (clock.Elapsed - handedOver).TotalSeconds;
    }

    /// <summary>Seconds the last store write took after its callback returned.</summary>
    private static double LastCommitSeconds { get; set; } = double.NaN;

    /// <summary>Store → file: ArtifactSerializer.ReadAsync&lt;Stream&gt;, copied into a FileStream.</summary>
    private static async Task ReadThroughStoreAsync(IArtifactStore store, string key, string file)
    {
        await using var back = await ArtifactSerializer.ReadAsync<Stream>(store, ArtifactKey.Parse(key), "benchmark", CancellationToken.None);
        await using var output = new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileBufferSize, useAsync: true);
        await back.CopyToAsync(output);
    }

    /// <summary>"s3@2" is ("s3", 2): the store with two parts in flight; "s3" is ("s3", null): its default.</summary>
    public static (string Store, int? PartsInFlight) InFlightOf(string name) =>
        name.Split('@') is [var store, var count] && int.TryParse(count, CultureInfo.InvariantCulture, out var n) && store is "s3" or "azure"
            ? (store, n)
            : (name, null);

    private static async Task<(LocalServer?, IArtifactStore)> S3Async(int? partsInFlight)
    {
        var server = await LocalServers.StartS3rverAsync(RepositoryPaths.Root);
        return (server, new S3ArtifactStore(new S3ArtifactStoreSettings
        {
            Bucket = "benchmark",
            PartsInFlight = partsInFlight ?? S3ArtifactStoreSettings.DefaultPartsInFlight,
            ServiceUrl = new Uri(server.Address),
            ForcePathStyle = true,
            AccessKeyId = LocalServers.S3AccessKeyId,
            SecretAccessKey = LocalServers.S3SecretAccessKey,
        }));
    }

    private static async Task<(LocalServer?, IArtifactStore)> AzureAsync(int? blocksInFlight)
    {
        var server = await LocalServers.StartAzuriteAsync(RepositoryPaths.Root);
        return (server, new AzureBlobArtifactStore(new AzureBlobArtifactStoreSettings
        {
            BlocksInFlight = blocksInFlight ?? AzureBlobArtifactStoreSettings.DefaultBlocksInFlight,
            AccountEndpoint = new Uri(server.Address),
            AccountName = LocalServers.AzuriteAccount,
            AccountKey = LocalServers.AzuriteKey,
            Container = "benchmark",
        }));
    }

    /// <summary>The plain copy: file to file through FileStreams, as a program copies a file itself.</summary>
    private static async Task CopyAsync(string from, string to, long limit)
    {
        await using var input = new FileStream(from, FileMode.Open, FileAccess.Read, FileShare.Read, FileBufferSize, useAsync: true);
        await using var output = new FileStream(to, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileBufferSize, useAsync: true);
        if (limit == long.MaxValue)
        {
            await input.CopyToAsync(output);
            return;
        }

        var buffer = new byte[FileBufferSize];
        for (long copied = 0; copied < limit;)
        {
            var read = await input.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, limit - copied)));
            if (read == 0)
            {
                break;
            }

            await output.WriteAsync(buffer.AsMemory(0, read));
            copied += read;
        }
    }

    private static async Task<string> HashOfFileAsync(string path)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, useAsync: true);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(file));
    }

    /// <summary>utime + stime of a process, from /proc/PID/stat (clock ticks of 1/100 s).</summary>
    private static double CpuSecondsOf(int processId)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{processId}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
        }
        catch (IOException)
        {
            return double.NaN;
        }
    }

    private static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private static double MiB(long bytes) => bytes / (1024.0 * 1024.0);
}
