// Siaga behaviour
