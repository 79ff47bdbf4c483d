using System.Collections;
using System.Globalization;
using System.Runtime.InteropServices;
using StepOperator;

namespace StepOperator.TestPipelines;

/// <summary>A value and the process that made it, so tests can tell where each step ran.</summary>
public sealed record Numbered(long Value, int ProcessId);

/// <summary>A value System.Text.Json cannot serialize.</summary>
public sealed record Unserializable(Type Kind);

public static partial class TestSteps
{
    [Step]
    public static Numbered Produce(long seed)
    {
        Console.WriteLine($"producing from {seed}");
        Console.WriteLine($"run id from the environment: {Environment.GetEnvironmentVariable("STEPOPERATOR_RUN_ID")}");
        Console.WriteLine($"started as: {string.Join(' ', Environment.GetCommandLineArgs().Skip(1))}");
        return new(seed, Environment.ProcessId);
    }

    [Step]
    public static Numbered Double(Numbered input) => new(2 * input.Value, Environment.ProcessId);

    [ModalStep(Gpu = "T4", Memory = "1GB", CpuCount = 0.5, MemoryLimit = "2GB", CpuLimit = 1)]
    public static async Task<Numbered> Square(Numbered input, CancellationToken cancellationToken)
    {
        await Task.Delay(10, cancellationToken);
        return new(input.Value * input.Value, Environment.ProcessId);
    }

    [Step]
    public static Numbered Combine(Numbered left, Numbered right)
    {
        Console.Error.WriteLine($"combining {left.Value} and {right.Value}");
        return new(left.Value + right.Value, Environment.ProcessId);
    }

    [Step]
    public static Numbered Explode(Numbered input) => throw new InvalidOperationException($"boom at {input.Value}");

    [Step]
    public static Unserializable MakeUnserializable() => new(typeof(int));

    [Step]
    public static Stream MakeStream(int count)
    {
        var bytes = new byte[count];
        for (var i = 0; i < count; i++)
        {
            bytes[i] = (byte)(i % 251);
        }

        return new MemoryStream(bytes);
    }

    [Step]
    public static long Checksum(Stream data)
    {
        long sum = 0;
        int b;
        while ((b = data.ReadByte()) >= 0)
        {
            sum += b;
        }

        return sum;
    }

    [Step]
    public static async Task Sleep(int seconds, CancellationToken cancellationToken)
    {
        Console.WriteLine($"sleeping in process {Environment.ProcessId}");
        await Task.Delay(TimeSpan.FromSeconds(seconds), cancellationToken);
    }

    [Step(Timeout = 1)]
    public static void Hang() => Thread.Sleep(TimeSpan.FromSeconds(30));

    /// <summary>Touches 512 MB of native memory (outside the GC's own limit) under a 64 MB limit (32 MB reserved).</summary>
    [Step(Memory = "32MB", MemoryLimit = "64MB")]
    public static unsafe void Hog()
    {
        const int size = 512 * 1024 * 1024;
        var memory = (byte*)NativeMemory.Alloc(size);
        for (var i = 0; i < size; i += 4096)
        {
            memory[i] = 1;
        }

        Console.WriteLine("still alive after touching 512 MB");
        NativeMemory.Free(memory);
    }

    /// <summary>Everything the step process sees in its environment.</summary>
    [Step]
    public static Dictionary<string, string> ShowEnvironment() =>
        Environment.GetEnvironmentVariables().Cast<DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? string.Empty);

    [Step]
    public static int ReadStandardInput() => Console.In.ReadToEnd().Length;

    [Pipeline]
    public static async Task StandardInput() => Console.WriteLine($"read {await Submit.ReadStandardInput()} characters of standard input");

    [Pipeline]
    public static async Task EnvironmentCheck() => Console.WriteLine($"{(await Submit.ShowEnvironment()).Count} variables");

    [Pipeline]
    public static async Task Flow()
    {
        Console.WriteLine($"orchestrator process {Environment.ProcessId}");
        var produced = Submit.Produce(7);
        var doubled = Submit.Double(produced);
        var squared = Submit.Square(produced);
        var combined = Submit.Combine(doubled, squared);
        Console.WriteLine($"result {(await combined).Value}");
    }

    [Pipeline]
    public static async Task Failing()
    {
        var produced = Submit.Produce(3);
        var exploded = Submit.Explode(produced);
        var combined = Submit.Combine(exploded, produced);
        Console.WriteLine($"result {(await combined).Value}");
    }

    [Pipeline]
    public static async Task Unserializable() => await Submit.MakeUnserializable();

    [Pipeline]
    public static async Task Bytes()
    {
        var stream = Submit.MakeStream(1_000_000);
        Console.WriteLine($"checksum {await Submit.Checksum(stream)}");
    }

    [Pipeline]
    public static async Task Slow(CancellationToken cancellationToken) => await Submit.Sleep(60);

    [Pipeline]
    public static async Task TimesOut() => await Submit.Hang();

    [Pipeline]
    public static async Task Oom() => await Submit.Hog();

    /// <summary>Asks .NET for a byte array longer than any it can make: an OutOfMemoryException in the step itself, on any stack.</summary>
    [Step]
    public static int Overallocate() => new byte[int.MaxValue].Length;

    [Pipeline]
    public static async Task DotnetOom() => await Submit.Overallocate();

    /// <summary>
    /// Fills managed memory under a 256 MB limit: .NET's GC keeps its heap within 75% of the container's limit, so the
    /// step gets an OutOfMemoryException (or, past the limit, the kernel's OOM kill).
    /// </summary>
    [Step(Memory = "128MB", MemoryLimit = "256MB")]
    public static int ManagedHog()
    {
        var kept = new List<byte[]>();
        for (var i = 0; i < 64; i++)
        {
            var chunk = new byte[16 * 1024 * 1024];
            Array.Fill(chunk, (byte)1);
            kept.Add(chunk);
        }

        Console.WriteLine("still alive after keeping 1 GB");
        return kept.Count;
    }

    [Pipeline]
    public static async Task ManagedOom() => await Submit.ManagedHog();

    [ModalStep(Timeout = 2)]
    public static void HangRemote() => Thread.Sleep(TimeSpan.FromSeconds(60));

    /// <summary>As <see cref="Hog"/>, on the stack's step operator.</summary>
    [ModalStep(Memory = "32MB", MemoryLimit = "64MB")]
    public static void HogRemote() => Hog();

    [ModalStep]
    public static async Task SleepRemote(int seconds, CancellationToken cancellationToken)
    {
        Console.WriteLine($"sleeping remotely in process {Environment.ProcessId}");
        await Task.Delay(TimeSpan.FromSeconds(seconds), cancellationToken);
    }

    [Pipeline]
    public static async Task RemoteTimesOut() => await Submit.HangRemote();

    [Pipeline]
    public static async Task RemoteOom() => await Submit.HogRemote();

    [Pipeline]
    public static async Task RemoteSlow() => await Submit.SleepRemote(120);

    /// <summary>Its first attempt waits to be preempted (the test kills its sandbox); a retry finishes.</summary>
    [ModalStep(MaxRetries = 1, RetryDelay = 0)]
    public static async Task<int> PreemptibleRemote(CancellationToken cancellationToken)
    {
        var attempt = int.Parse(Environment.GetEnvironmentVariable("STEPOPERATOR_ATTEMPT")!, CultureInfo.InvariantCulture);
        Console.WriteLine($"preemptible attempt {attempt}");
        if (attempt == 1)
        {
            await Task.Delay(TimeSpan.FromSeconds(120), cancellationToken);
        }

        return attempt;
    }

    [Pipeline]
    public static async Task Preempted() => Console.WriteLine($"finished on attempt {await Submit.PreemptibleRemote()}");
}
