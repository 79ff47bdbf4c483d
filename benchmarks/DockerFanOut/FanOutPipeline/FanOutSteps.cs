using StepOperator;

namespace FanOutPipeline;

/// <summary>One 2-second step, run once or eight times side by side (the DockerFanOut benchmark).</summary>
public static partial class FanOutSteps
{
    /// <summary>Sleeps two seconds; never cached, so every run executes it.</summary>
    [Step(EnableCache = false)]
    public static async Task<int> Sleep(int index, CancellationToken cancellationToken)
    {
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        Console.WriteLine($"slept 2 s ({index})");
        return index;
    }

    /// <summary>One step.</summary>
    [Pipeline]
    public static async Task One()
    {
        var slept = await Submit.Sleep(0);
        Console.WriteLine($"done: {slept}");
    }

    /// <summary>Eight independent steps submitted at once, awaited together.</summary>
    [Pipeline]
    public static async Task Eight()
    {
        var outputs = Enumerable.Range(1, 8).Select(i => Submit.Sleep(i)).ToList();
        var slept = await Task.WhenAll(outputs.Select(o => o.ValueAsync()));
        Console.WriteLine($"done: {string.Join(",", slept)}");
    }
}
