namespace StepOperator.TestPipelines;

/// <summary>Steps for the fault-injection tests: output whose every line can be checked.</summary>
public static partial class FaultSteps
{
    /// <summary>
    /// Prints "line i of <paramref name="count"/>" on stdout for i = 1..count, each line in two writes
    /// a moment apart (so a log stream carries many entries, some ending mid-line), and "err k" on
    /// stderr after every tenth line.
    /// </summary>
    [ModalStep(Timeout = 600)]
    public static async Task<int> PrintLines(int count, CancellationToken cancellationToken)
    {
        for (var i = 1; i <= count; i++)
        {
            Console.Write($"line {i} ");
            await Task.Delay(5, cancellationToken);
            Console.WriteLine($"of {count}");
            if (i % 10 == 0)
            {
                Console.Error.WriteLine($"err {i / 10}");
            }

            await Task.Delay(5, cancellationToken);
        }

        return count;
    }

    [Pipeline]
    public static async Task RemoteLines() => Console.WriteLine($"printed {await Submit.PrintLines(200)} lines");

    /// <summary>Prints "tick i of <paramref name="count"/>" every 250 ms: long enough to kill its orchestrator mid-way.</summary>
    [ModalStep(Timeout = 600)]
    public static async Task<int> SlowTicks(int count, CancellationToken cancellationToken)
    {
        for (var i = 1; i <= count; i++)
        {
            Console.WriteLine($"tick {i} of {count}");
            await Task.Delay(250, cancellationToken);
        }

        return count;
    }

    [Pipeline]
    public static async Task RemoteTicks() => Console.WriteLine($"ticked {await Submit.SlowTicks(40)} times");

    [Pipeline]
    public static async Task RemoteShortTicks() => Console.WriteLine($"ticked {await Submit.SlowTicks(16)} times");
}
