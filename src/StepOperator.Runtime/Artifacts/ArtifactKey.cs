using System;
using System.Linq;

namespace StepOperator.Artifacts;

/// <summary>
/// Where an artifact lives inside a store: '/'-separated segments of letters, digits, '.', '-'
/// and '_'. No segment may be empty, "." or "..", so a key can never point outside the store root.
/// </summary>
public readonly record struct ArtifactKey
{
    private ArtifactKey(string value) => Value = value;

    public string Value { get; }

    public static ArtifactKey Parse(string value)
    {
        if (!TryValidate(value, out var problem))
        {
            throw new ArgumentException($"Invalid artifact key \"{value}\": {problem}", nameof(value));
        }

        return new ArtifactKey(value);
    }

    /// <summary>Joins segments into a key; each segment is checked the same way.</summary>
    public static ArtifactKey Combine(params string[] segments) => Parse(string.Join("/", segments));

    public ArtifactKey Child(string segment) => Combine(Value, segment);

    public override string ToString() => Value;

    private static bool TryValidate(string? value, out string problem)
    {
        if (string.IsNullOrEmpty(value))
        {
            problem = "a key cannot be empty.";
            return false;
        }

        foreach (var segment in value.Split('/'))
        {
            if (segment.Length == 0 || segment is "." or "..")
            {
                problem = "segments cannot be empty, \".\" or \"..\" (keys are relative to the store root).";
                return false;
            }

            if (segment.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_')))
            {
                problem = "only ASCII letters, digits, '.', '-', '_' and '/' are allowed.";
                return false;
            }
        }

        problem = string.Empty;
        return true;
    }
}
