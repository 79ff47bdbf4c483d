using System;
using System.Buffers;
using System.Collections.Generic;
using System.Text;
using System.Text.Json;

namespace StepOperator.Execution;

/// <summary>
/// What the local stack sends a standby step process: what a process started for the call would have been given,
/// its entrypoint arguments (<see cref="StepEntrypointArguments.For"/>) and the variables it gets at start. One line
/// of JSON on the process's standard input.
/// </summary>
/// <param name="Arguments">The call's entrypoint arguments.</param>
/// <param name="Environment">Variables to set before the call runs (run id, attempt, the store's settings).</param>
internal sealed record StandbyDispatch(IReadOnlyList<string> Arguments, IReadOnlyDictionary<string, string> Environment)
{
    private const string ArgumentsProperty = "arguments";
    private const string EnvironmentProperty = "environment";

    /// <summary>The call the arguments name; a <see cref="JsonException"/> when they name none.</summary>
    public StepEntrypointCall Call => StepEntrypointArguments.TryParse(Arguments)
        ?? throw new JsonException($"'{ArgumentsProperty}' do not name a step call: {string.Join(' ', Arguments)}.");

    /// <summary>The message as one line (JSON escapes line breaks inside values, so the line ends where the message does).</summary>
    public string ToLine()
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray(ArgumentsProperty);
            foreach (var argument in Arguments)
            {
                writer.WriteStringValue(argument);
            }

            writer.WriteEndArray();
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

    /// <summary>The message in <paramref name="line"/>; a <see cref="JsonException"/> naming what is wrong otherwise.</summary>
    public static StandbyDispatch Parse(string line)
    {
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException($"The message is {root.ValueKind}, not an object.");
        }

        if (!root.TryGetProperty(ArgumentsProperty, out var list) || list.ValueKind != JsonValueKind.Array)
        {
            throw new JsonException($"The message has no '{ArgumentsProperty}' array.");
        }

        var arguments = new List<string>();
        foreach (var argument in list.EnumerateArray())
        {
            arguments.Add(argument.ValueKind == JsonValueKind.String
                ? argument.GetString()!
                : throw new JsonException($"An argument is {argument.ValueKind}, not a string."));
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

        return new StandbyDispatch(arguments, environment);
    }
}
