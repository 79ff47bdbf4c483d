// Reads an attribute's named arguments as the user wrote them, tolerating code being typed:
// missing, erroneous or wrongly typed arguments are simply absent.
using System;
using System.Collections.Generic;
using System.Globalization;
using Microsoft.CodeAnalysis;
using StepOperator.Rules;

namespace StepOperator.Roslyn;

internal static class AttributeValues
{
    /// <summary>The named arguments that have a usable constant value, by property name.</summary>
    public static Dictionary<string, object?> Named(AttributeData attribute)
    {
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var pair in attribute.NamedArguments)
        {
            var constant = pair.Value;
            if (constant.Kind is TypedConstantKind.Error or TypedConstantKind.Array or TypedConstantKind.Type)
            {
                continue;
            }

            values[pair.Key] = constant.Value;
        }

        return values;
    }

    public static string? String(Dictionary<string, object?> values, string name) =>
        values.TryGetValue(name, out var value) ? value as string : null;

    public static int? Int32(Dictionary<string, object?> values, string name) =>
        values.TryGetValue(name, out var value) && value is not null && value is not string and not bool
            ? ConvertOrNull<int>(value)
            : null;

    public static double? Double(Dictionary<string, object?> values, string name) =>
        values.TryGetValue(name, out var value) && value is not null && value is not string and not bool
            ? ConvertOrNull<double>(value)
            : null;

    /// <summary>The resource settings of a step attribute, exactly as written.</summary>
    public static StepResources Resources(Dictionary<string, object?> values) => new(
        Gpu: String(values, KnownAttributes.Properties.Gpu),
        GpuCount: Int32(values, KnownAttributes.Properties.GpuCount),
        CpuCount: Double(values, KnownAttributes.Properties.CpuCount),
        Memory: String(values, KnownAttributes.Properties.Memory),
        Timeout: Int32(values, KnownAttributes.Properties.Timeout),
        Region: String(values, KnownAttributes.Properties.Region),
        Cloud: String(values, KnownAttributes.Properties.Cloud),
        MaxRetries: Int32(values, KnownAttributes.Properties.MaxRetries),
        RetryDelay: Double(values, KnownAttributes.Properties.RetryDelay),
        RetryBackoff: Double(values, KnownAttributes.Properties.RetryBackoff),
        MemoryLimit: String(values, KnownAttributes.Properties.MemoryLimit),
        CpuLimit: Double(values, KnownAttributes.Properties.CpuLimit));

    public static bool? Boolean(Dictionary<string, object?> values, string name) =>
        values.TryGetValue(name, out var value) && value is bool flag ? flag : null;

    private static T? ConvertOrNull<T>(object value)
        where T : struct
    {
        try
        {
            return (T)Convert.ChangeType(value, typeof(T), CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is InvalidCastException or OverflowException or FormatException)
        {
            return null;
        }
    }
}
