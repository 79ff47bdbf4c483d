using System.Globalization;
using StepOperator;

namespace StepOperator.TestPipelines;

/// <summary>Steps and pipelines for caching, retries, parallel fan-out and failure handling.</summary>
public static partial class FeatureSteps
{
    [Step]
    public static long First(long seed)
    {
        Console.WriteLine("First ran");
        return seed + 1;
    }

    /// <summary>The step the "edit one step" test changes: built with STEPOPERATOR_EDITED it triples instead of doubling.</summary>
    [Step]
    public static long Middle(long value)
    {
        Console.WriteLine("Middle ran");
#if STEPOPERATOR_EDITED
        return value * 3;
#else
        return value * 2;
#endif
    }

    [Step]
    public static long Last(long value)
    {
        Console.WriteLine("Last ran");
        return value + 100;
    }

    [Step]
    public static long Aside(long seed)
    {
        Console.WriteLine("Aside ran");
        return seed - 1;
    }

    [Step(EnableCache = false)]
    public static long Uncached(long seed) => seed;

    [Pipeline]
    public static async Task Chain()
    {
        var first = Submit.First(1);
        var middle = Submit.Middle(first);
        var last = Submit.Last(middle);
        var aside = Submit.Aside(5);
        var uncached = Submit.Uncached(9);
        Console.WriteLine($"chain {await last} {await aside} {await uncached}");
    }

    /// <summary>More inputs than the StepEntrypoints helpers take: the generator writes it an entrypoint method of its own.</summary>
    [Step]
    public static int SumOfNine(int a1, int a2, int a3, int a4, int a5, int a6, int a7, int a8, int a9) =>
        a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + (a9 * 100);

    [Pipeline]
    public static async Task Wide() => Console.WriteLine($"wide {await Submit.SumOfNine(1, 2, 3, 4, 5, 6, 7, 8, 9)}");

    /// <summary>Fails on its first two attempts, then succeeds.</summary>
    [Step(MaxRetries = 3, RetryDelay = 0.2, RetryBackoff = 2, RetryOnException = true)]
    public static int FailsTwice()
    {
        var attempt = int.Parse(Environment.GetEnvironmentVariable("STEPOPERATOR_ATTEMPT")!, CultureInfo.InvariantCulture);
        Console.WriteLine($"attempt {attempt}");
        if (attempt <= 2)
        {
            throw new InvalidOperationException($"attempt {attempt} fails");
        }

        return attempt;
    }

    [Step(MaxRetries = 3)]
    public static int ThrowsWithoutRetryOnException() => throw new InvalidOperationException("not retried: exceptions need RetryOnException");

    [Step(MaxRetries = 2, RetryDelay = 0, RetryOnException = true)]
    public static int AlwaysFails() => throw new InvalidOperationException("always fails");

    [Pipeline]
    public static async Task Retried() => Console.WriteLine($"succeeded on attempt {await Submit.FailsTwice()}");

    [Pipeline]
    public static async Task NotRetried() => await Submit.ThrowsWithoutRetryOnException();

    [Pipeline]
    public static async Task RetriesExhausted() => await Submit.AlwaysFails();

    [Step(EnableCache = false)]
    public static async Task<int> Nap(int seconds, CancellationToken cancellationToken)
    {
        Console.WriteLine($"napping {seconds}s");
        await Task.Delay(TimeSpan.FromSeconds(seconds), cancellationToken);
        return seconds;
    }

    [Step]
    public static int Boom()
    {
        for (var i = 1; i <= 30; i++)
        {
            Console.WriteLine($"boom line {i}");
        }

        throw new InvalidOperationException("boom first");
    }

    /// <summary>Two independent steps: the pipeline awaits them as ordinary tasks.</summary>
    [Pipeline]
    public static async Task TwoNaps()
    {
        var first = Submit.Nap(2);
        var second = Submit.Nap(2);
        var naps = await Task.WhenAll(first.ValueAsync(), second.ValueAsync());
        Console.WriteLine($"naps {naps.Sum()}");
    }

    /// <summary>A long step beside one that fails: the failure stops the long one.</summary>
    [Pipeline]
    public static async Task FailFast()
    {
        var nap = Submit.Nap(60);
        var boom = Submit.Boom();
        await Task.WhenAll(nap.ValueAsync(), boom.ValueAsync());
    }

    [Step(EnableCache = false)]
    public static long Before(long seed)
    {
        Console.WriteLine("Before ran");
        return seed * 10;
    }

    /// <summary>Waits until the gate file exists (the test creates it after killing the orchestrator).</summary>
    [Step]
    public static async Task<long> WaitForGate(long value, string gate, CancellationToken cancellationToken)
    {
        Console.WriteLine($"waiting for the gate in process {Environment.ProcessId}");
        while (!File.Exists(gate))
        {
            await Task.Delay(100, cancellationToken);
        }

        return value + 1;
    }

    [Pipeline]
    public static async Task Interruptible()
    {
        var before = Submit.Before(4);
        var after = Submit.WaitForGate(before, Environment.GetEnvironmentVariable("STEPOPERATOR_TEST_GATE") ?? "/nonexistent/gate");
        Console.WriteLine($"interruptible {await after}");
    }
}
