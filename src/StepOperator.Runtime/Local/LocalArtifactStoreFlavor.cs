using System;
using System.Collections.Generic;
using System.IO;
using StepOperator.Artifacts;
using StepOperator.Components;
using StepOperator.Flavors;

namespace StepOperator.Local;

/// <summary>The <c>local</c> artifact store: files in a folder of this machine (<see cref="LocalArtifactStore"/>).</summary>
internal sealed class LocalArtifactStoreFlavor : ArtifactStoreFlavor
{
    public const string FlavorName = "local";

    public override string Name => FlavorName;

    public override string Description => "Keeps artifacts as files in a folder of this machine (steps elsewhere cannot read it).";

    public override IReadOnlyList<FlavorSetting> Settings { get; } = new[]
    {
        new FlavorSetting("Path", "The folder (default: the runs folder of the program's .stepoperator folder).") { Example = "/data/artifacts" },
    };

    public override IReadOnlyList<BuiltInComponent> BuiltIns { get; } = new[] { new BuiltInComponent(FlavorName) };

    public override bool IsRemote => false;

    public override string? LocationScheme => "file";

    public override string LocationForm => "a local directory or a file:// URI";

    public override IArtifactStore Create(ComponentDefinition component, string homeDirectory) =>
        new LocalArtifactStore(component.Get("Path") ?? Path.Combine(homeDirectory, "runs"));

    public override IArtifactStore Open(StoreLocation location, Func<string, string?> environment) =>
        throw new NotSupportedException("A local store's location is a path or file:// URI, opened by ArtifactStores.Open.");
}
