using System;

namespace StepOperator.Generators;

/// <summary>What kind of attribute marked the method.</summary>
internal enum StepKind
{
    Step,
    ModalStep,
    Pipeline,
}

/// <summary>How a method hands back its result.</summary>
internal enum ReturnKind
{
    Void,
    Task,
    ValueTask,
    TaskOfT,
    ValueTaskOfT,
    Value,
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
    string? StepOperator,
    bool? EnableCache,
    int? MaxRetries,
    double? RetryDelay,
    double? RetryBackoff,
    bool? RetryOnException,
    string? MemoryLimit,
    double? CpuLimit);

/// <summary>
/// A parameter: its name, its type as code (nullable annotations kept) and as a typeof operand (only for a step
/// whose entrypoint is written out in full, with more inputs than the StepEntrypoints helpers take; else null).
/// </summary>
internal sealed record ParameterModel(string Name, string Type, string? TypeOfType, bool IsCancellationToken);

/// <summary>One declaration around a step, outermost first ("static partial class Outer" → keyword "class").</summary>
internal sealed record TypeDeclarationModel(string Keyword, string Name);

/// <summary>One step or pipeline method, as the generator needs it.</summary>
internal sealed record StepModel(
    StepKind Kind,
    string Name,
    string MethodName,
    bool IsStatic,
    bool IsPublic,
    string ContainingType,
    string? Namespace,
    EquatableArray<TypeDeclarationModel> Declarations,
    EquatableArray<ParameterModel> Parameters,
    ReturnKind Return,
    string? ResultType,
    string? ResultTypeOfType, // as ParameterModel.TypeOfType: only for an entrypoint written out in full
    SettingsModel Settings) : IComparable<StepModel>
{
    public string Method => ContainingType + "." + MethodName;

    public int CompareTo(StepModel? other) => string.CompareOrdinal(Name, other?.Name);
}

/// <summary>
/// One method marked as a step or pipeline: the step name the duplicate check (SOP104) counts for it, if
/// any, and its model when the generator can serve it.
/// </summary>
internal sealed record StepCandidate(string? RecordedName, StepModel? Model);

/// <summary>The stub file of one type's steps.</summary>
internal sealed record StubFile(string HintName, EquatableArray<StepModel> Steps);

/// <summary>Whether and how to emit Main.</summary>
internal sealed record MainModel(bool IsExecutable, bool HasUserEntryPoint, bool Disabled);
