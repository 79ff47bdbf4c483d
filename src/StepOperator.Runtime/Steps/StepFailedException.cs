using System;

namespace StepOperator;

/// <summary>A step of the run failed; the message names the step and why.</summary>
public sealed class StepFailedException(string step, string message) : Exception(message)
{
    public string Step { get; } = step;
}
