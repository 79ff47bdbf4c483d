using System;
using System.IO;

namespace StepOperator.Runs;

/// <summary>The run's console output: progress lines and step output with a step prefix, one line at a time.</summary>
public sealed class RunConsole(TextWriter output, TextWriter error)
{
    private readonly object _gate = new();

    public static RunConsole Standard { get; } = new(Console.Out, Console.Error);

    public void Info(string message) => Write(output, message);

    public void Problem(string message) => Write(error, message);

    public void StepLine(string invocationId, string line, bool isError) =>
        Write(isError ? error : output, $"[{invocationId}] {line}");

    private void Write(TextWriter writer, string line)
    {
        lock (_gate)
        {
            writer.WriteLine(line);
            writer.Flush();
        }
    }
}
