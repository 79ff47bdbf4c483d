using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace StepOperator.Planning;

/// <summary>
/// Takes the process's Console output (standard output and error) from the moment it is made until it is disposed,
/// so what a pipeline method prints while it is planned is shown apart from the plan, and marked as its own.
/// </summary>
internal sealed class PipelineOutputCapture : IDisposable
{
    private readonly TextWriter _output = Console.Out;
    private readonly TextWriter _error = Console.Error;
    private readonly StringWriter _captured = new();
    private List<string>? _lines;

    public PipelineOutputCapture()
    {
        var captured = TextWriter.Synchronized(_captured);
        Console.SetOut(captured);
        Console.SetError(captured);
    }

    /// <summary>The lines printed while the capture was on; read after <see cref="Dispose"/>.</summary>
    public IReadOnlyList<string> Lines => _lines ??= [.. _captured.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Select(line => line.TrimEnd('\r'))];

    public void Dispose()
    {
        Console.SetOut(_output);
        Console.SetError(_error);
    }
}
