using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using StepOperator.Components;
using StepOperator.Rules;

namespace StepOperator.Flavors;

/// <summary>
/// The flavors this program has: the core's own (local orchestrator and step operator, local artifact store) and those
/// of the backend packages it references, which the generated code registers when the program starts (see
/// <see cref="FlavorAttribute"/>). A flavor a program does not have is named with the package that brings it.
/// </summary>
public static class FlavorCatalog
{
    /// <summary>The package of the core: attributes, generator, analyzers, runtime, local stack and store, CLI.</summary>
    internal const string CorePackage = "StepOperator";

    // StepOperator's own backend packages and their flavors, so a program that asks for one it does not reference is told which package to add.
    private static readonly (ComponentType Type, string Name, string Package)[] KnownPackages =
    {
        (ComponentType.Orchestrator, "docker", "StepOperator.Docker"),
        (ComponentType.StepOperator, "docker", "StepOperator.Docker"),
        (ComponentType.ContainerRegistry, "default", "StepOperator.Docker"),
        (ComponentType.ImageBuilder, "docker", "StepOperator.Docker"),
        (ComponentType.StepOperator, "modal", "StepOperator.Modal"),
        (ComponentType.ArtifactStore, "s3", "StepOperator.S3"),
        (ComponentType.ArtifactStore, "azure", "StepOperator.Azure"),
    };

    private static readonly object Gate = new();
    // The core's own flavors (local) are registered by the core's module initializer (Local/LocalFlavors.cs), the
    // backends' by the program's generated code: the catalog knows no flavor by name.
    private static Flavor[] _flavors = [];

    /// <summary>Every flavor this program has, in registration order.</summary>
    internal static IReadOnlyList<Flavor> All => Volatile.Read(ref _flavors);

    /// <summary>
    /// Adds a flavor; called by generated code for each <see cref="FlavorAttribute"/> of the assemblies a program
    /// references. Registering the same flavor type again does nothing; another flavor with a taken name is refused.
    /// </summary>
    public static void Register(Flavor flavor)
    {
        ArgumentNullException.ThrowIfNull(flavor);
        lock (Gate)
        {
            if (_flavors.FirstOrDefault(f => f.Type == flavor.Type && string.Equals(f.Name, flavor.Name, StringComparison.OrdinalIgnoreCase)) is { } taken)
            {
                if (taken.GetType() == flavor.GetType())
                {
                    return;
                }

                throw new InvalidOperationException(
                    $"{flavor} of {flavor.GetType().FullName} ({flavor.Package}) has the name of {taken.GetType().FullName} ({taken.Package}); a flavor's name must be its own.");
            }

            Volatile.Write(ref _flavors, _flavors.Append(flavor).ToArray());
        }
    }

    /// <summary>True for components that come with an installed flavor (<see cref="Flavor.BuiltIns"/>) and cannot be changed.</summary>
    public static bool IsBuiltIn(ComponentType type, string name) =>
        Of(type).Any(flavor => flavor.BuiltIns.Any(builtIn => string.Equals(builtIn.Name, name, StringComparison.OrdinalIgnoreCase)));

    /// <summary>
    /// The flavors of <paramref name="type"/> this program has: the core's first, then StepOperator's backends in their
    /// usual order (docker, modal; s3, azure), then any other in the order registered.
    /// </summary>
    internal static IReadOnlyList<Flavor> Of(ComponentType type) =>
        All.Where(f => f.Type == type).OrderBy(f => f.Package == CorePackage ? -1 : Rank(f)).ToList();

    private static int Rank(Flavor flavor)
    {
        var known = Array.FindIndex(KnownPackages, known => known.Type == flavor.Type && string.Equals(known.Name, flavor.Name, StringComparison.OrdinalIgnoreCase));
        return known < 0 ? KnownPackages.Length : known;
    }

    /// <summary>The installed flavor of <paramref name="type"/> named <paramref name="name"/> (any case); null when the program has none.</summary>
    public static Flavor? Find(ComponentType type, string name) =>
        All.FirstOrDefault(f => f.Type == type && string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The installed flavor, or a problem that says which package brings it (or which flavors there are).</summary>
    public static T Require<T>(ComponentType type, string name, string? usedBy = null)
        where T : Flavor =>
        Find(type, name) as T ?? throw new StackConfigurationException(Missing(type, name, usedBy));

    /// <summary>The package that brings <paramref name="type"/> flavor <paramref name="name"/> when this program does not reference it; null when unknown.</summary>
    internal static string? PackageOf(ComponentType type, string name) =>
        KnownPackages.FirstOrDefault(known => known.Type == type && string.Equals(known.Name, name, StringComparison.OrdinalIgnoreCase)).Package;

    /// <summary>Flavor names a configuration may use: those installed and those of StepOperator's packages not referenced.</summary>
    internal static IReadOnlyList<string> KnownNames(ComponentType type) =>
        Of(type).Select(f => f.Name)
            .Concat(KnownPackages.Where(known => known.Type == type).Select(known => known.Name))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();

    /// <summary>"local, docker; modal needs package StepOperator.Modal", for messages and help.</summary>
    internal static string Describe(ComponentType type)
    {
        var installed = Of(type).Select(f => f.Name).ToList();
        var missing = KnownPackages.Where(known => known.Type == type && !installed.Contains(known.Name, StringComparer.OrdinalIgnoreCase)).ToList();
        var text = installed.Count == 0 ? "none installed" : string.Join(", ", installed);
        return missing.Count == 0
            ? text
            : text + "; " + string.Join(", ", missing.Select(known => $"{known.Name} needs package {known.Package}"));
    }

    /// <summary>The artifact store flavor whose locations have <paramref name="scheme"/>; null when the program has none.</summary>
    internal static ArtifactStoreFlavor? StoreForScheme(string scheme) =>
        All.OfType<ArtifactStoreFlavor>().FirstOrDefault(f => string.Equals(f.LocationScheme, scheme, StringComparison.OrdinalIgnoreCase));

    private static string DidYouMean(ComponentType type, string name) =>
        NearestName.Of(name, KnownNames(type), candidate => candidate.ToLowerInvariant()) is { } nearest ? $" Did you mean '{nearest}'?" : string.Empty;

    /// <summary>Why <paramref name="type"/> flavor <paramref name="name"/> cannot be used here, with the fix.</summary>
    internal static string Missing(ComponentType type, string name, string? usedBy = null)
    {
        var subject = usedBy ?? $"{type.CommandName()} flavor '{name}'";
        return PackageOf(type, name) is { } package
            ? $"{subject} needs package {package}, which this program does not reference. Add it: dotnet add package {package}"
            : $"{type.CommandName()} flavor '{name}' does not exist{(usedBy is null ? string.Empty : $" ({usedBy})")}.{DidYouMean(type, name)} Flavors: {Describe(type)}.";
    }
}
