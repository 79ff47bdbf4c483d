using System;
using System.Buffers;
using System.Collections.Generic;
using System.Text;
using System.Text.Json;

namespace StepOperator.Runs;

/// <summary>
/// What the local stack sends a standby step process: the call to run and the variables a process started for
/// that call would have been given. One line of JSON on the process's standard input.
/// </summary>
/// <param name="Call">The step call.</param>
/// <param name="Environment">Variables to set before the call runs (run id, attempt, the store's settings).</param>
public sealed record StandbyDispatch(StepEntrypointCall Call, IReadOnlyDictionary<string, string> Environment)
{
    private const string StepProperty = "step";
    private const string RunIdProperty = "runId";
    private const string InvocationProperty = "invocationId";
    private const string StoreProperty = "store";
    private const string EnvironmentProperty = "environment";

    /// <summary>The message as one line (JSON escapes line breaks inside values, so the line ends where the message does).</summary>
    public string ToLine()
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString(StepProperty, Call.Step);
            writer.WriteString(RunIdProperty, Call.RunId);
            writer.WriteString(InvocationProperty, Call.InvocationId);
            writer.WriteString(StoreProperty, Call.StoreLocation);
            writer.WriteStartObject(EnvironmentProperty);
            foreach (var (name, value) in Environment)
            {
                writer.WriteString(name, value);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The message in <paramref name="line"/>; a <see cref="JsonException"/> naming what is missing otherwise.</summary>
    public static StandbyDispatch Parse(string line)
    {
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException($"The message is {root.ValueKind}, not an object.");
        }

        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        if (root.TryGetProperty(EnvironmentProperty, out var variables))
        {
            if (variables.ValueKind != JsonValueKind.Object)
            {
                throw new JsonException($"'{EnvironmentProperty}' is {variables.ValueKind}, not an object of names and values.");
            }

            foreach (var variable in variables.EnumerateObject())
            {
                environment[variable.Name] = variable.Value.ValueKind == JsonValueKind.String
                    ? variable.Value.GetString()!
                    : throw new JsonException($"Variable '{variable.Name}' is {variable.Value.ValueKind}, not a string.");
            }
        }

        var call = new StepEntrypointCall(Required(root, StepProperty), Required(root, RunIdProperty), Required(root, InvocationProperty), Required(root, StoreProperty));
        return new StandbyDispatch(call, environment);
    }

    private static string Required(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
            ? text
            : throw new JsonException($"The message has no non-empty string '{name}'.");
}
