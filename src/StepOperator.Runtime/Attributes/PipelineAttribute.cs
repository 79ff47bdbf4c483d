using System;

namespace StepOperator;

/// <summary>
/// Marks the method that defines a pipeline: it calls steps (through their generated stubs) and
/// runs when the program runs.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class PipelineAttribute : Attribute
{
    /// <summary>The pipeline's name; defaults to the method's name.</summary>
    public string? Name { get; set; }
}
