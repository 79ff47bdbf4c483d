using System;
using System.Collections.Generic;
using System.Text.Json;
using StepOperator.Artifacts;

namespace StepOperator;

/// <summary>
/// What one call of a step needs in its own process: its inputs and where its output goes.
/// Stored in the artifact store beside the step's output, so a container reads it the same way.
/// </summary>
internal sealed record InvocationRecord(
    string RunId,
    string Step,
    string InvocationId,
    IReadOnlyDictionary<string, ArtifactRef> Inputs,
    ArtifactRef? Output);

/// <summary>Why a step's own process failed, written by the step process for the orchestrator.</summary>
/// <param name="ExceptionType">The exception's full type name.</param>
/// <param name="Message">Its message.</param>
/// <param name="StackTrace">Its stack trace.</param>
/// <param name="OutOfMemory">True when it was an <see cref="System.OutOfMemoryException"/> (or a type derived from it): .NET ran out of memory.</param>
public sealed record StepErrorRecord(string ExceptionType, string Message, string? StackTrace, bool OutOfMemory = false);

/// <summary>
/// Reads an <see cref="InvocationRecord"/> as the run writes it (with the source-generated Execution.RuntimeJson), through <see cref="JsonDocument"/>:
/// the step process reads one record at start-up, and creating the serializer's context and the record's metadata
/// for it took ~35 ms of every step process (the document reader needs neither).
/// </summary>
internal static class InvocationRecordReader
{
    /// <summary>The record in <paramref name="json"/>; a <see cref="JsonException"/> naming what is wrong otherwise.</summary>
    public static InvocationRecord Read(ReadOnlyMemory<byte> json)
    {
        using var document = JsonDocument.Parse(json);
        var root = Object(document.RootElement, "the record");
        var inputs = new Dictionary<string, ArtifactRef>(StringComparer.Ordinal);
        if (root.TryGetProperty(nameof(InvocationRecord.Inputs), out var inputsElement) && inputsElement.ValueKind != JsonValueKind.Null)
        {
            foreach (var input in Object(inputsElement, nameof(InvocationRecord.Inputs)).EnumerateObject())
            {
                inputs[input.Name] = Reference(input.Value, $"input '{input.Name}'")
                    ?? throw new JsonException($"Input '{input.Name}' of the invocation record is null.");
            }
        }

        return new InvocationRecord(
            String(root, nameof(InvocationRecord.RunId)),
            String(root, nameof(InvocationRecord.Step)),
            String(root, nameof(InvocationRecord.InvocationId)),
            inputs,
            root.TryGetProperty(nameof(InvocationRecord.Output), out var output) ? Reference(output, nameof(InvocationRecord.Output)) : null);
    }

    private static ArtifactRef? Reference(JsonElement element, string what)
    {
        if (element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var reference = Object(element, what);
        var format = reference.TryGetProperty(nameof(ArtifactRef.Format), out var formatElement) ? Format(formatElement, what) : ArtifactFormat.Json;
        return new ArtifactRef(String(reference, nameof(ArtifactRef.Key)), String(reference, nameof(ArtifactRef.Type)), format);
    }

    // As ArtifactFormatJsonConverter reads it: a name in any case, or a defined number.
    private static ArtifactFormat Format(JsonElement element, string what)
    {
        var number = element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out var value) ? value : (int?)null;
        var name = element.ValueKind == JsonValueKind.String ? element.GetString() : null;
        return ArtifactFormatJsonConverter.TryParse(number, name, out var format)
            ? format
            : throw new JsonException($"The format of {what} is {element.GetRawText()}; {ArtifactFormatJsonConverter.Expected}.");
    }

    private static JsonElement Object(JsonElement element, string what) =>
        element.ValueKind == JsonValueKind.Object
            ? element
            : throw new JsonException($"{what} of the invocation record is {element.ValueKind}, not an object.");

    private static string String(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new JsonException($"The invocation record has no string '{name}'.");
}
