/** Facts about the CIFAR datasets shared by the shipped CIFAR-10 and the archive import. */

export const CIFAR_IMAGE_SIZE = 32;
export const CIFAR_CHANNELS = 3;
export const CIFAR_PIXELS = CIFAR_IMAGE_SIZE * CIFAR_IMAGE_SIZE * CIFAR_CHANNELS;
/** The test split of CIFAR-10 and of CIFAR-100 alike. */
export const CIFAR_TEST_IMAGES = 10_000;

export const CIFAR10_CLASSES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
];

// docs/math.md §2.3: the official code normalises with these means and std 1.
export const CIFAR10_MEAN = [0.4913, 0.4821, 0.4465];
export const CIFAR100_MEAN = [0.5071, 0.4865, 0.4409];
export const CIFAR_STD = [1, 1, 1];

// The order of the official fine_label_names.txt; used when an archive comes without it
// (for example when only the .bin files are dropped).
export const CIFAR100_FINE_CLASSES = (
  'apple aquarium_fish baby bear beaver bed bee beetle bicycle bottle bowl boy bridge bus butterfly ' +
  'camel can castle caterpillar cattle chair chimpanzee clock cloud cockroach couch crab crocodile cup ' +
  'dinosaur dolphin elephant flatfish forest fox girl hamster house kangaroo keyboard lamp lawn_mower ' +
  'leopard lion lizard lobster man maple_tree motorcycle mountain mouse mushroom oak_tree orange orchid ' +
  'otter palm_tree pear pickup_truck pine_tree plain plate poppy porcupine possum rabbit raccoon ray ' +
  'road rocket rose sea seal shark shrew skunk skyscraper snail snake spider squirrel streetcar ' +
  'sunflower sweet_pepper table tank telephone television tiger tractor train trout tulip turtle ' +
  'wardrobe whale willow_tree wolf woman worm'
).split(' ');
