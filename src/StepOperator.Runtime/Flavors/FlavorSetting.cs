using System;
using StepOperator.Components;

namespace StepOperator.Flavors;

/// <summary>
/// One setting a flavor reads: its stored name (<c>TokenSecret</c>, registered as <c>--token_secret</c>), what it
/// means, and what a value must be. Settings are checked at registration, so a value that could not work is never stored.
/// </summary>
/// <param name="Name">The stored name, PascalCase.</param>
/// <param name="Description">What it sets, for <c>register --help</c> and <c>flavor describe</c>.</param>
public sealed record FlavorSetting(string Name, string Description)
{
    /// <summary>A value must be given at registration.</summary>
    public bool Required { get; init; }

    /// <summary>An example value, shown in help and in fixes (<c>https://host[:port]</c>).</summary>
    public string Example { get; init; } = "...";

    /// <summary>Why a stored value cannot be this setting (<c>is not an http or https address</c>); null when it can.</summary>
    public Func<string, string?>? Check { get; init; }

    /// <summary>The option it is registered with: <c>token_secret</c>.</summary>
    internal string OptionName => ComponentDefinition.ToOptionName(Name);

    /// <summary>True for a credential: shown masked, kept in the user-level file only.</summary>
    public bool IsSecret => ComponentDefinition.IsSecret(Name);

    /// <summary>A setting that holds a service's address: an absolute http or https URL.</summary>
    public static FlavorSetting Url(string name, string description) => new(name, description)
    {
        Example = "https://host[:port]",
        Check = value => ComponentDefinition.ParseUrl(value) is null ? "is not an http or https address" : null,
    };

    /// <summary>A setting that is true or false.</summary>
    public static FlavorSetting Boolean(string name, string description) => new(name, description)
    {
        Example = "true",
        Check = value => bool.TryParse(value, out _) ? null : "is not true or false",
    };
}
