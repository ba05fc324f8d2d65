"""The 20 QuickDraw classes of the seed experiments."""

#: Indices into TFDS `quickdraw_bitmap`'s 345 labels. Passed as
#: `load("quickdraw_bitmap", classes=QUICKDRAW_SEED_CLASSES)`, they become the
#: labels 0..19 in this order: bee, bicycle, broccoli, butterfly, cactus, frog,
#: guitar, lightning, penguin, pizza, rollerskates, sea turtle, sheep,
#: snowflake, sun, swan, tent, tractor, train, tree.
QUICKDRAW_SEED_CLASSES = (
    26,
    29,
    43,
    49,
    50,
    125,
    134,
    172,
    218,
    225,
    246,
    255,
    258,
    271,
    295,
    296,
    308,
    320,
    322,
    323,
)
