using System;

namespace StepOperator.Generators;

/// <summary>What kind of attribute marked the method.</summary>
internal enum StepKind
{
    Step,
    ModalStep,
    Pipeline,
}

/// <summary>
/// A step's settings exactly as written (null = not written). Plain values only, so the model
/// compares by value and never holds a symbol or a syntax node.
/// </summary>
internal sealed record SettingsModel(
    string? Gpu,
    int? GpuCount,
    double? CpuCount,
    string? Memory,
    int? Timeout,
    string? Region,
    string? Cloud,
    string? ModalEnvironment,
    string? StepOperator);

/// <summary>One step or pipeline method, as the generator needs it.</summary>
internal sealed record StepModel(
    StepKind Kind,
    string Name,
    string ContainingType,
    string MethodName,
    SettingsModel Settings) : IComparable<StepModel>
{
    public int CompareTo(StepModel? other) => string.CompareOrdinal(Name, other?.Name);
}
